// The browser half of LiveCanvas: a static background image that matplotlib rendered
// once, and the moving artists replayed from drawing operations on every frame.
// Messages from the kernel:
//   {type: "background", size: [w, h], ratio, version}  + buffers [png]
//   {type: "frame", ops: [...], background, seq, state, epoch, ahead}
//                                  + buffers (float32 coordinates, uint8 images); `state`: the
//                                  linked controls' values it shows; `ahead`: sent before the
//                                  controls got there (kept, painted when they do)
//   {type: "ack", seq}             a linked message that produced no frame
// Messages to the kernel: {type: "ready", ratio} when a view opens or the pixel ratio
// changes, {type: "click", x, y} in figure pixels (origin at the top left), and
// {type: "set", seq, changes: [[link index, value], ...], heard} when a linked control changes.

const MOVETO = 1, LINETO = 2, CURVE3 = 3, CURVE4 = 4, CLOSEPOLY = 79;

function floats(view) {
  if (view.byteOffset % 4 === 0) {
    return new Float32Array(view.buffer, view.byteOffset, view.byteLength / 4);
  }
  return new Float32Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function rgba(c) {
  return `rgba(${Math.round(c[0] * 255)},${Math.round(c[1] * 255)},${Math.round(c[2] * 255)},${c[3]})`;
}

function trace(path, xy, codes) {
  const n = xy.length / 2;
  if (!codes) {
    let pen = false;
    for (let i = 0; i < n; i++) {
      const x = xy[2 * i], y = xy[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) { pen = false; continue; }
      if (pen) path.lineTo(x, y); else { path.moveTo(x, y); pen = true; }
    }
    return;
  }
  for (let i = 0; i < n;) {
    const code = codes[i];
    if (code === MOVETO) { path.moveTo(xy[2 * i], xy[2 * i + 1]); i += 1; }
    else if (code === LINETO) { path.lineTo(xy[2 * i], xy[2 * i + 1]); i += 1; }
    else if (code === CURVE3) {
      path.quadraticCurveTo(xy[2 * i], xy[2 * i + 1], xy[2 * i + 2], xy[2 * i + 3]); i += 2;
    } else if (code === CURVE4) {
      path.bezierCurveTo(xy[2 * i], xy[2 * i + 1], xy[2 * i + 2], xy[2 * i + 3],
                         xy[2 * i + 4], xy[2 * i + 5]); i += 3;
    } else if (code === CLOSEPOLY) { path.closePath(); i += 1; }
    else { i += 1; }  // STOP
  }
}

function paintShape(ctx, op, shape) {
  if (op.fill) { ctx.fillStyle = rgba(op.fill); ctx.fill(shape); }
  if (op.stroke) { ctx.stroke(shape); }
}

function setStyle(ctx, op) {
  if (op.clip) { ctx.beginPath(); ctx.rect(...op.clip); ctx.clip(); }
  if (op.stroke) {
    ctx.strokeStyle = rgba(op.stroke);
    ctx.lineWidth = op.width;
    ctx.lineCap = op.cap;
    ctx.lineJoin = op.join;
    ctx.setLineDash(op.dash || []);
    ctx.lineDashOffset = op.dashOffset || 0;
  }
}

function drawOp(ctx, ratio, op, buffers) {
  ctx.save();
  setStyle(ctx, op);
  if (op.op === "path") {
    const shape = new Path2D();
    trace(shape, floats(buffers[op.xy]), op.codes === null ? null : floats(buffers[op.codes]));
    paintShape(ctx, op, shape);
  } else if (op.op === "markers") {
    const shape = new Path2D();
    trace(shape, floats(buffers[op.xy]), op.codes === null ? null : floats(buffers[op.codes]));
    const at = floats(buffers[op.at]);
    for (let i = 0; i < at.length; i += 2) {
      ctx.setTransform(ratio, 0, 0, ratio, ratio * at[i], ratio * at[i + 1]);
      paintShape(ctx, op, shape);
    }
  } else if (op.op === "image") {
    const [w, h] = op.size;
    const view = buffers[op.rgba];
    const pixels = new Uint8ClampedArray(view.buffer, view.byteOffset, view.byteLength);
    const tile = document.createElement("canvas");
    tile.width = w; tile.height = h;
    tile.getContext("2d").putImageData(new ImageData(pixels, w, h), 0, 0);
    ctx.drawImage(tile, op.at[0], op.at[1], w, h);
  }
  ctx.restore();
}

// --- linked controls: their values go straight to the kernel ---------------------------
// ipywidgets syncs a slider one message at a time and waits for the kernel to go idle
// before the next, so a drag runs at one frame per round trip. Here up to IN_FLIGHT
// messages travel at once; newer values wait in `pending` (only the latest per control),
// and every message carries the values current when it is sent, so the kernel never
// sees them go backwards.
const IN_FLIGHT = 2;
const STALL_MS = 2000;  // no answer this long (a kernel restart): stop waiting for it

function modelId(ref) {
  if (typeof ref === "string") return ref.startsWith("IPY_MODEL_") ? ref.slice(10) : ref;
  return ref && ref.model_id;
}

// Resolve the linked controls' models in the browser and call `onChange(index, value,
// control)` when one changes; `controls()` lists them (null until all are found).
function watchLinks(model, onChange) {
  let generation = 0, listeners = [], controls = null;

  function unwatch() {
    for (const [control, event, listener] of listeners) control.off(event, listener);
    listeners = [];
    controls = null;
  }

  async function rewatch() {
    unwatch();
    const mine = ++generation;
    const links = model.get("_links") || [];
    const found = [];
    for (let index = 0; index < links.length; index++) {
      const { model: ref, name } = links[index];
      let control = null;
      try {
        control = await model.widget_manager.get_model(modelId(ref));
      } catch (error) {
        control = null;  // a front end without this control's model: its own sync still works
      }
      if (mine !== generation) return;  // linked again meanwhile
      found.push(control ? { control, name } : null);
      if (!control) continue;
      const event = `change:${name}`;
      const listener = (changed, value) => onChange(index, value, changed);
      control.on(event, listener);
      listeners.push([control, event, listener]);
    }
    controls = found.every(Boolean) ? found : null;
  }
  model.on("change:_links", rewatch);
  rewatch();
  return {
    controls: () => controls,
    stop() {
      generation += 1;
      unwatch();
      model.off("change:_links", rewatch);
    },
  };
}

function linkControls(model) {
  let seq = 0, answered = 0, lastSentAt = 0;
  const pending = new Map();  // link index -> newest value not yet sent

  function flush() {
    if (!pending.size) return;
    if (seq - answered >= IN_FLIGHT && performance.now() - lastSentAt < STALL_MS) return;
    seq += 1;
    lastSentAt = performance.now();
    const changes = [...pending.entries()];
    pending.clear();
    // `heard`: how many of the kernel's own moves of linked controls this page had received;
    // the kernel drops a message sent before its latest one (the page had not seen it yet).
    model.send({ type: "set", seq, changes, heard: model.get("_kernel_moves") });
  }

  function onAnswer(msg) {
    if ((msg.type === "frame" || msg.type === "ack") && typeof msg.seq === "number") {
      answered = Math.max(answered, msg.seq);
      flush();
    }
  }
  model.on("msg:custom", onAnswer);

  const links = watchLinks(model, (index, value, control) => {
    // A value the kernel just sent (its own update) needs no trip back.
    const lock = control._state_lock;
    const name = (model.get("_links")[index] || {}).name;
    if (lock && Object.prototype.hasOwnProperty.call(lock, name)) return;
    pending.set(index, value);
    flush();
  });
  const forget = () => pending.clear();
  model.on("change:_links", forget);
  return () => {
    links.stop();
    pending.clear();
    model.off("msg:custom", onAnswer);
    model.off("change:_links", forget);
  };
}

// --- frames by state: the kernel's answers and the frames it sent ahead -----------------
// A control's value becomes its position on its grid (min + k·step; for a log slider, of the
// exponent), so the browser's and the kernel's floating-point values for one step agree. A value
// off the grid (a cell set lr = 0.02, the slider shows its nearest step 10^-1.7) counts as
// that nearest step, which is what the slider shows.
const GRID_MODELS = new Set(["FloatSliderModel", "IntSliderModel", "FloatLogSliderModel", "PlayModel"]);
const KEPT_FRAMES = 256;

function position(control, value) {
  if (typeof value !== "number" || !GRID_MODELS.has(control.get("_model_name"))) {
    return JSON.stringify(value);
  }
  const log = control.get("_model_name") === "FloatLogSliderModel";
  const at = log ? Math.log(value) / Math.log(control.get("base")) : value;
  const k = (at - control.get("min")) / control.get("step");
  return Number.isFinite(k) ? `${Math.round(k)}` : JSON.stringify(value);
}

function stateKey(controls, values) {
  if (!controls || !values || values.length !== controls.length) return null;
  return values.map((value, i) => position(controls[i].control, value)).join("|");
}

function initialize({ model }) {
  if (!model.widget_manager) return undefined;  // a host that cannot look up other widgets
  return linkControls(model);
}

function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.className = "lesson-live-canvas";
  el.classList.add("lesson-live");
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  let background = null, version = -1, size = [0, 0], frame = null;
  let decoded = null;  // the newest decoded background: {version, bitmap, size, ratio}
  let ratio = window.devicePixelRatio || 1, canvasRatio = ratio;  // the screen's; the canvas's

  // A whole picture or nothing: a frame is painted only over the background it was drawn
  // for. A new background waits for its first frame, and a frame for its background (still
  // decoding); meanwhile the canvas keeps showing the last whole picture.
  function paint() {
    if (!frame) return;
    const wanted = typeof frame.background === "number" ? frame.background : decoded && decoded.version;
    if (wanted !== version) {
      if (!decoded || decoded.version !== wanted) return;
      if (decoded.size[0] !== size[0] || decoded.size[1] !== size[1] || decoded.ratio !== canvasRatio) {
        resize(decoded.size[0], decoded.size[1], decoded.ratio);
      }
      background = decoded.bitmap;
      version = decoded.version;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (background) ctx.drawImage(background, 0, 0, canvas.width, canvas.height);
    ctx.setTransform(canvasRatio, 0, 0, canvasRatio, 0, 0);
    for (const op of frame.ops) drawOp(ctx, canvasRatio, op, frame.buffers);
  }

  // At most one paint per animation frame: the first frame message after a screen refresh is
  // painted at once (no added latency); more arriving before the next refresh only replace
  // the pending frame, which that refresh paints.
  let paintedThisFrame = false, dirty = false;
  function onRefresh() {
    paintedThisFrame = false;
    if (!dirty) return;
    dirty = false;
    paint();
    paintedThisFrame = true;
    requestAnimationFrame(onRefresh);
  }
  function requestPaint() {
    if (paintedThisFrame) { dirty = true; return; }
    paint();
    paintedThisFrame = true;
    requestAnimationFrame(onRefresh);
  }

  function resize(w, h, r) {
    size = [w, h];
    canvasRatio = r;
    canvas.width = Math.round(w * r);
    canvas.height = Math.round(h * r);
    canvas.style.width = `${w}px`;
    canvas.style.aspectRatio = `${w} / ${h}`;
  }

  async function onMessage(msg, buffers) {
    if (msg.type === "background") {
      const mine = typeof msg.version === "number" ? msg.version : (decoded ? decoded.version + 1 : 0);
      const bitmap = await createImageBitmap(new Blob([buffers[0]], { type: "image/png" }));
      if (decoded && decoded.version > mine) return;  // a newer one decoded first
      decoded = { version: mine, bitmap, size: msg.size, ratio: msg.ratio || ratio };
      paint();
    } else if (msg.type === "frame") {
      const received = { ops: msg.ops, background: msg.background, buffers, epoch: msg.epoch,
                         ahead: Boolean(msg.ahead) };
      if (msg.ahead) {
        if (latest && msg.epoch === latest.epoch && msg.background === latest.background) {
          keep(msg.state, received);
        }
        return;
      }
      window.__lessonFrameAt = performance.now();  // read by the browser benchmark
      if (!latest || received.epoch !== latest.epoch) kept.clear();  // a click, a button: all stale
      latest = received;
      keep(msg.state, received);
      show();
    }
  }

  // The frame to show: the one kept for the controls' current values (a frame sent ahead, or
  // an earlier answer), else the kernel's latest answer.
  const kept = new Map();
  let latest = null;
  function keep(state, received) {
    const key = stateKey(links.controls(), state);
    if (key === null) return;
    received.key = key;
    kept.delete(key);
    kept.set(key, received);
    while (kept.size > KEPT_FRAMES) kept.delete(kept.keys().next().value);
  }
  function show() {
    const controls = links.controls();
    const key = controls && stateKey(controls, controls.map(({ control, name }) => control.get(name)));
    const hit = key === null ? undefined : kept.get(key);
    const next = hit && hit.epoch === latest.epoch && hit.background === latest.background ? hit : latest;
    if (next === frame) return;
    if (frame && frame.ahead && next.key !== undefined && next.key === frame.key
        && next.epoch === frame.epoch && next.background === frame.background) {
      frame = next;  // the kernel's answer to the frame sent ahead on show: the same picture
      return;
    }
    if (hit === next && next !== latest) window.__lessonFramesAhead = (window.__lessonFramesAhead || 0) + 1;
    frame = next;
    requestPaint();
  }
  const links = model.widget_manager ? watchLinks(model, () => { if (latest) show(); })
                                     : { controls: () => null, stop() {} };
  model.on("msg:custom", onMessage);

  // A new pixel ratio (browser zoom, another screen) needs a sharper background.
  let query = null;
  function watchRatio() {
    query = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    query.addEventListener("change", onRatio, { once: true });
  }
  function onRatio() {
    ratio = window.devicePixelRatio || 1;  // the canvas follows with the sharper background
    model.send({ type: "ready", ratio });
    watchRatio();
  }
  watchRatio();

  canvas.addEventListener("click", (event) => {
    const box = canvas.getBoundingClientRect();
    const scale = size[0] / box.width;  // the canvas may be shown narrower than its figure
    model.send({ type: "click", x: (event.clientX - box.left) * scale,
                 y: (event.clientY - box.top) * scale });
  });

  model.send({ type: "ready", ratio });
  return () => {
    links.stop();
    model.off("msg:custom", onMessage);
    if (query) query.removeEventListener("change", onRatio);
  };
}

export default { initialize, render };
