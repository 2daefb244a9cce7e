"""What an instructor needs beside each lesson: discussion questions, misconceptions, what to set as homework.

`tools/tag_notebooks.py` turns each entry into the lesson's instructor-only cell (tagged `instructor`,
removed from the student edition), together with a 50-minute plan computed from the lesson's own
section timings. Keys are the lesson numbers (the notebook file name's first two characters).

Each entry:
  homework:        section numbers left out of a 50-minute recitation (reading or homework), so that
                   the sections kept fit in 50 minutes;
  questions:       (question, what to listen for) pairs, 2-4 per lesson;
  misconceptions:  the usual wrong ideas, each with what the lesson shows instead.
"""

NOTES = {
    "01": {
        "homework": [],
        "questions": [
            ("Why is the gradient exactly zero at the origin, and why does training still leave it?",
             "each weight's gradient is proportional to the *other* weight; leaving needs a nonzero start, "
             "and small starts leave slowly (a plateau)."),
            ("Two runs end at different weights with the same loss. Is one of them wrong?",
             "no: every point of the valley $w_1 w_2 = p^*$ fits equally well; the start decides the point."),
            ("The Hessian test says 'degenerate' at a valley point. Is it a minimum?",
             "yes: the flat direction is the rescaling symmetry; compare the loss with its lower bound."),
        ],
        "misconceptions": [
            "A linear network has a convex loss (the product of weights makes it non-convex, with a saddle).",
            "A zero gradient means a minimum (the origin is a saddle).",
            "No maximum means any learning rate is safe (the walls get steeper; large rates diverge).",
        ],
    },
    "02": {
        "homework": [],
        "questions": [
            ("A depth-50 loss curve is flat for hundreds of steps. Is training finished?",
             "a plateau, not the end: the product is still tiny and grows geometrically before the drop."),
            ("Why is every layer's gradient small at depth 50 when each weight starts at 0.9?",
             "it is the product of the 49 other weights, $0.9^{49} \\approx 0.006$, times $dL/dp$."),
            ("One learning rate for all depths: which depth decides it, and what does that cost?",
             "the deepest (its stable rate is smallest, about $1/D$); the shallow nets then crawl."),
        ],
        "misconceptions": [
            "Deeper is always slower (at a fixed rate the shallow nets are slow at the end).",
            "Vanishing gradients need nonlinearities (a product of numbers below 1 is enough).",
        ],
    },
    "03": {
        "homework": [],
        "questions": [
            ("Name the five regimes from the loss curve alone.",
             "flat; slow but steady; fast clean drop; up and down without settling; shooting off the top."),
            ("Is the fastest learning rate the one right at $2/\\lambda_{\\max}$?",
             "no: near the edge the weights bounce for a long time; about half the edge was fastest here."),
            ("Between $2/\\lambda_{\\max}$ and the divergence edge, what does training do?",
             "it neither converges nor diverges: it bounces, sometimes chaotically; 'not diverged' is not 'converged'."),
        ],
        "misconceptions": [
            "Larger is always faster until it explodes (there is a bouncing regime in between).",
            "The edge of stability is a target (it is a ceiling).",
            "The edge is a property of the model alone (the start, the depth and the data move it).",
        ],
    },
    "04": {
        "homework": [],
        "questions": [
            ("Do deeper networks need larger learning rates because their gradients are small?",
             "smaller: every layer adds curvature at the minimum, the edge falls roughly like $1/D$."),
            ("After tuning each depth's rate, are deep nets still slower? Where does the rest come from?",
             "the gap shrinks a lot; what remains comes from the start (initialization, lesson 05)."),
            ("When is it worth going close to the edge?",
             "when a long plateau dominates training: its length shrinks like $1/\\eta$."),
        ],
        "misconceptions": [
            "A rate tuned for one architecture transfers to another (depth 2's best diverges at depth 20).",
            "Comparing architectures at one shared rate is fair (it favours the one the rate suits).",
        ],
    },
    "05": {
        "homework": [4],
        "questions": [
            ("Why does a 100-layer net care whether each weight starts at 0.9 or 1.1?",
             "$0.9^{100}$ and $1.1^{100}$ differ by eight orders of magnitude: signals vanish or explode."),
            ("Why can't all units of a layer start with the same weights?",
             "they get the same gradient, so they stay identical: one unit in disguise."),
            ("Where do the Xavier and He scales come from, and which suits ReLU?",
             "keep the variance from layer to layer: $2/(n_{in}+n_{out})$; ReLU halves it, so He doubles it."),
        ],
        "misconceptions": [
            "Small random weights are always safe (in a deep net they vanish).",
            "The right variance means every direction is kept (that is dynamic isometry, a stronger property).",
        ],
    },
    "06": {
        "homework": [7, 9],
        "questions": [
            ("Does more momentum ($\\mu = 0.99$) always arrive first?",
             "no: too little friction overshoots and rings; the effective step is $\\eta/(1-\\mu)$."),
            ("Why do Adam and RMSprop lose a *tilted* valley that they win along the axes?",
             "they rescale each coordinate; a tilted valley's steep and flat directions are not coordinates."),
            ("Why average mini-batch gradients rather than sum them?",
             "so the learning rate does not depend on the batch size; summing makes large batches blow up."),
            ("What sets the loss floor SGD hovers at with a constant rate?",
             "the rate times the gradient noise: a larger batch or a smaller (decaying) rate lowers it."),
        ],
        "misconceptions": [
            "Adam is always best (SGD with momentum wins some landscapes; constant-rate Adam hovers).",
            "Mini-batch noise moves the minimum (it moves the path and leaves a floor, not a new optimum).",
            "rprop is fine with mini-batches (its sign logic needs full batches; RMSprop repairs it).",
        ],
    },
    "07": {
        "homework": [3, 5, 8, 9],
        "questions": [
            ("Why does lowering the rate late in training lower the loss under mini-batch noise?",
             "the rate sets the size of the bounce around the minimum ('too much kinetic energy')."),
            ("Where on the LR range test curve do you pick your rate?",
             "not at the minimum of the smoothed curve: about a tenth of it, where the loss still falls fast."),
            ("On the digits, did any schedule beat a well-chosen fixed rate over 300 steps?",
             "no: the differences were within the noise of the batch order; compare over seeds."),
        ],
        "misconceptions": [
            "A schedule replaces choosing a good rate (it does not; tune the rate first).",
            "One-cycle means the same thing in every library (the peak and the final divisor differ).",
            "Momentum conventions are interchangeable under a schedule (they differ once the rate changes).",
        ],
    },
    "08": {
        "homework": [8],
        "questions": [
            ("Why not make $h$ as small as possible?",
             "below the best $h$ round-off grows like $\\varepsilon/h$; centred, float64, $h \\approx 10^{-5}$."),
            ("An absolute difference of $10^{-4}$: good or bad?",
             "it depends on the size of the gradient: compare by relative error, entry by entry."),
            ("The check flags JAX's own gradient of a ReLU net. Who is wrong?",
             "neither: a perturbation crossed a kink; track the branch, check on few examples."),
        ],
        "misconceptions": [
            "A gradient check in float32 is good enough (a 0.1 % bug is invisible there).",
            "If the loss goes down, the gradient is right (a wrong gradient still trains, worse).",
            "Check with the regularization on (a large penalty hides data-gradient bugs).",
        ],
    },
    "09": {
        "homework": [],
        "questions": [
            ("What should the loss of a 10-class classifier be before training, and what if it is far above?",
             "$\\log 10 \\approx 2.30$; far above means weights too large or a bug, before any rate question."),
            ("The update/weight ratio is $10^{-5}$. What do you change?",
             "raise the learning rate a lot; about $10^{-3}$ is healthy, above $10^{-2}$ lower it."),
            ("A noisy loss with steadily rising accuracy: learning rate too high?",
             "more likely batches too small; a too-high rate shows in the ratio and the accuracy too."),
        ],
        "misconceptions": [
            "A run that does not crash is fine (bad runs produce plausible numbers).",
            "The ratio rule is exact (it gives the order of magnitude only).",
            "Noisy first-layer pictures mean overfitting (they are weights no gradient ever moved).",
        ],
    },
    "10": {
        "homework": [],
        "questions": [
            ("At the same budget, why does random search beat a grid when few knobs matter?",
             "a grid tests only $m$ values of each knob; random search tests a new value at every trial."),
            ("Uniform samples between $10^{-4}$ and 1: what share lands in the top decade?",
             "about nine in ten; sample the exponent uniformly instead."),
            ("The best trial sits at the top of its range. What do you do?",
             "widen the range and search again; check the border after every stage."),
        ],
        "misconceptions": [
            "A finer grid is always better (it spends trials on knobs that do not matter).",
            "Bayesian optimisation always wins by a large factor (it pays off for few, expensive trials).",
            "Tuning on the test set is fine once (it is not: keep a test set no step of the tuning touches).",
        ],
    },
    "11": {
        "homework": [],
        "questions": [
            ("As $\\lambda$ grows, which penalty sets coefficients exactly to zero, and why?",
             "L1: its constant pull beats a small gradient; L2's pull shrinks with the weight, so it only shrinks."),
            ("Why does inverted dropout divide by $1-p$ in training, and what does it do at evaluation?",
             "it keeps each unit's expected input unchanged; at evaluation it does nothing, the full network "
             "stands in for the average of the thinned ones."),
            ("Can batch norm force a unit into a shape the network does not want?",
             "no: $\\gamma = \\sigma$, $\\beta = \\mu$ give $z$ back; it reparametrises, and trains faster."),
            ("Why is 5-fold cross-validation steadier than one 80/20 split?",
             "every example is validated once and five estimates are averaged, at five times the cost."),
        ],
        "misconceptions": [
            "Dropout stays on at evaluation (it must be switched off; the scaling was done in training).",
            "Batch norm uses batch statistics at evaluation too (it uses the running ones).",
            "An ensemble of copies of one network helps (they must be independently initialised or trained).",
            "Early stopping at the first rise of the validation loss (use a patience longer than its noise).",
        ],
    },
    "12": {
        "homework": [5, 9, 10, 12],
        "questions": [
            ("How can a step downhill raise the loss?",
             "when $\\tfrac12\\varepsilon^2 g^\\top H g > \\varepsilon g^\\top g$: the steep directions cap the rate."),
            ("Why is Newton's method drawn to saddles while gradient descent leaves them?",
             "it jumps to where the gradient of the quadratic model vanishes, whatever the curvature's sign."),
            ("What does clipping change on an ordinary step, and on a cliff?",
             "nothing on ordinary steps (threshold a little above the typical norm); it caps the catapult."),
            ("In many dimensions, are high critical points minima?",
             "rarely: most are saddles, so expect plateaus rather than bad minima."),
        ],
        "misconceptions": [
            "Newton's method is always better (it needs the Hessian, a solve, and likes saddles).",
            "Invert the Hessian (solve the system instead, and check its condition).",
            "Bad local minima are what makes deep learning hard (saddles and plateaus are more common).",
        ],
    },
}
