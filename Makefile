# Two commands for a new user: `make lab` (the lessons) and `make test` (everything).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_FLAGS ?=

# Strict nbval runs the lessons in a kernel (conftest.py writes its spec) whose XLA generates code for
# an older instruction set (OTHER_ISA_FLAGS, written only here; the browser run's kernels use it too):
# that moves the last bits of float results as another machine would, so the committed outputs are
# checked as another CPU would compute them.
NBVAL := --nbval --nbval-kernel-name lesson-lib-other-isa --nbval-sanitize-with tests/nbval_sanitize.cfg
OTHER_ISA_FLAGS := --xla_cpu_max_isa=SSE4_2
# The unit tests and doctests compile hundreds of small programs; without LLVM's optimisation
# passes XLA compiles them about a third faster (results agree to the tests' tolerances).
QUICK_COMPILE := XLA_FLAGS=--xla_backend_optimization_level=0
# Extra JupyterLab arguments: make lab LAB_ARGS="--port=8890 --no-browser"
LAB_ARGS ?=
# Jupyter refuses to run as root (containers, cloud machines) unless told it may.
ROOT_ARGS := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab test unit notebooks bench clean student app

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "): set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# An editable install skips the package's data files (a wheel installs this one itself), so the
# config that makes every Jupyter server of the environment load lesson_lib.server goes in here.
SERVER_EXT_CONFIG := jupyter-config/jupyter_server_config.d/lesson_lib.json
ENABLE_SERVER_EXT := install -D -m 644 $(SERVER_EXT_CONFIG) $(VENV)/etc/$(SERVER_EXT_CONFIG:jupyter-config/%=jupyter/%)

$(VENV)/.notebook: pyproject.toml $(SERVER_EXT_CONFIG) | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[notebook]"
	$(ENABLE_SERVER_EXT)
	@touch $@

$(VENV)/.test: pyproject.toml $(SERVER_EXT_CONFIG) | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	$(ENABLE_SERVER_EXT)
	@touch $@ $(VENV)/.notebook

## lab: install the lessons' environment in .venv and open JupyterLab on notebooks/
lab: $(VENV)/.notebook
	$(BIN)/jupyter lab $(ROOT_ARGS) $(LAB_ARGS) notebooks/

## test: unit tests, doctests, strict nbval over every notebook (as another CPU computes), browser tests
# Two runs on both cores: the lessons first (the longest items, so the short ones fill the end)
# with the unit tests and doctests; then the browser tests, whose kernels compile as nbval's did
# and so start from the JAX compilation cache that run left.
test: $(VENV)/.test
	@status=0; \
	LESSON_LIB_OTHER_ISA_FLAGS="$(OTHER_ISA_FLAGS)" $(QUICK_COMPILE) $(BIN)/python -m pytest -n 2 --dist loadfile notebooks tests lesson_lib --doctest-modules $(NBVAL) -m "not browser" $(PYTEST_FLAGS) || status=1; \
	XLA_FLAGS="$(OTHER_ISA_FLAGS)" $(BIN)/python -m pytest -n 2 --dist load tests -m browser $(PYTEST_FLAGS) || status=1; \
	exit $$status

## unit: unit tests and doctests on both cores, without the slow ones (servers, editions) and the browser
unit: $(VENV)/.test
	$(QUICK_COMPILE) $(BIN)/python -m pytest -n 2 tests lesson_lib --doctest-modules -m "not browser and not slow" $(PYTEST_FLAGS)

## notebooks: re-execute every lesson in place so committed outputs are machine-made
notebooks: $(VENV)/.test
	$(BIN)/python tools/run_notebooks.py notebooks/*.ipynb

## bench: measure speed and write BENCHMARKS.md
bench: $(VENV)/.test
	$(BIN)/python -m benchmarks

## student: the student edition in student/: solutions and instructor notes removed, outputs cleared
student: $(VENV)/.notebook
	rm -rf student
	$(BIN)/python tools/editions.py student notebooks/*.ipynb --out student

## app: every lesson as a Voila app (prose and playgrounds, no code) on http://localhost:8866/voila/tree
# Voila runs as an extension of a Jupyter server, so the environment's server config applies
# (lesson_lib.server: kernel websockets with TCP_NODELAY). Another port: make app APP_PORT=9000;
# more server options: make app APP_ARGS="--ServerApp.ip=0.0.0.0"
APP_PORT ?= 8866
APP_ARGS ?=
app: $(VENV)/.notebook
	rm -rf build/app
	$(BIN)/python tools/editions.py app notebooks/*.ipynb --out build/app
	$(BIN)/jupyter server $(ROOT_ARGS) --ServerApp.root_dir=build/app --ServerApp.port=$(APP_PORT) \
		--ServerApp.default_url=/voila/tree --VoilaConfiguration.show_tracebacks=True $(APP_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info student
