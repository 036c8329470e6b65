// The stepper of autograd.to_html and of the playground: it only shows strings the engine's trace
// already holds (formatted in Python), so it does no arithmetic on the numbers it displays; the
// one comparison it makes is practice mode's check of a learner's number. Labels are written with
// textContent, never as markup.
//
// One script for two hosts. A static page (to_html's) holds its data in script#trace and its
// picture in #graph: the script mounts itself on load. A host page (the playground) inserts the
// same markup (autograd.page.view_markup) and calls window.chainrulePage.mount(data, svgText)
// after each run, with an SVG from any Graphviz (the dot program, or @viz-js/viz).
(function () {
  "use strict";
  const el = (id) => document.getElementById(id);
  const XLINK = "http://www.w3.org/1999/xlink";

  // Update rows, by field: see page.py's _data.
  const NODE = 0, OPERAND = 1, TARGET = 2, LOCAL = 3, UP = 5, CONTRIB = 7, CONTRIB_R = 8,
    BEFORE = 9, BEFORE_R = 10, AFTER = 11, AFTER_R = 12, COMPLETES = 13, ARROW = 14, CODE = 15;

  // Zoom steps. A page of its own fits the window's width. In a frame (the site's embedded
  // pages, Jupyter's output) "fit" stops at READABLE, where dot's 12 pt labels are still 12 px
  // tall: the frame scrolls (and follows the current box) rather than shrink the picture to a
  // strip of 4 px labels.
  const ZOOMS = [0.1, 0.15, 0.2, 0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4];
  const READABLE = 0.6;
  const IN_FRAME = window.self !== window.top;

  let view = null; // the mounted graph (makeView); the listeners below all talk to it

  // --- mounting ---------------------------------------------------------------------------------
  // data: the step data (PageParts.data) as an object, or as its JSON text; svgText: the
  // layout as SVG text, or nothing to keep the SVG already in #graph (a static page's).
  function mount(data, svgText) {
    if (typeof data === "string") data = JSON.parse(data);
    const frame = el("graph");
    if (typeof svgText === "string") {
      // dot's SVG as text (with its XML prolog and comments): parsed as SVG, never as HTML
      const parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
      const root = parsed.documentElement;
      if (root.nodeName !== "svg") throw new Error("chainrulePage.mount: svgText is not an SVG");
      for (const s of root.querySelectorAll("script, foreignObject")) s.remove();
      frame.replaceChildren(document.importNode(root, true));
    }
    const svg = frame.querySelector("svg");
    if (!svg) throw new Error("chainrulePage.mount: no svg element in #graph");
    bindOnce();
    view = makeView(data, svg, frame);
  }

  // The picture and everything that depends on one trace. Built again at each mount.
  function makeView(D, svg, frame) {
    const nodes = D.nodes;
    const N = nodes.length;
    const U = D.updates.length;
    const ROOT = D.seed[0];
    const LAST = N + 1 + U; // 0 start, 1..N forward, N+1 the seed, then one step per update

    // --- the picture: boxes, ovals and arrows by their DOT names ------------------------------
    const boxes = new Array(N).fill(null);
    const ovals = new Array(N).fill(null);
    const dataText = new Array(N).fill(null);
    const gradText = new Array(N).fill(null);
    const arrows = new Map(); // "target,node" -> the arrows operand -> oval, in operand order
    // Hover text: Graphviz titles each group by its DOT name (v10_op, v1->v10_op); draw_dot gives
    // each a tooltip with the node's name (an <a xlink:title>, which browsers show first). Both
    // say the name here, and the DOT name moves to a data attribute.
    function setHover(g, text) {
      const title = g.querySelector("title");
      const link = g.querySelector("a");
      if (text === null) text = link ? link.getAttributeNS(XLINK, "title") : null;
      if (text === null) return;
      if (title) title.textContent = text;
      if (link) link.setAttributeNS(XLINK, "title", text);
    }
    for (const g of svg.querySelectorAll("g.node")) {
      const title = g.querySelector("title");
      const m = /^v(\d+)(_op)?$/.exec(title ? title.textContent : "");
      if (!m) continue;
      const i = Number(m[1]);
      g.dataset.node = String(i);
      g.dataset.dot = title.textContent;
      if (m[2]) {
        ovals[i] = g;
        setHover(g, null);
        continue;
      }
      boxes[i] = g;
      const texts = g.querySelectorAll("text"); // label lines, then data, then grad
      dataText[i] = texts[texts.length - 2];
      gradText[i] = texts[texts.length - 1];
      const n = nodes[i];
      setHover(g, `${n.name}\ndata ${n.dataRepr}\ngrad ${n.gradRepr} (after backward)`);
      g.classList.add("pending");
    }
    const edgeList = [];
    for (const g of svg.querySelectorAll("g.edge")) {
      const title = g.querySelector("title");
      if (!title) continue;
      const dotName = title.textContent;
      g.dataset.dot = dotName;
      setHover(g, null);
      const m = /^v(\d+)->v(\d+)_op$/.exec(dotName);
      // Graphviz numbers arrows (id "edge7") in the order they were written; where an SVG has
      // no such ids, its document order is that order too.
      const id = /^edge(\d+)$/.exec(g.id);
      if (m) edgeList.push([id ? Number(id[1]) : edgeList.length, m[1] + "," + m[2], g]);
    }
    edgeList.sort((a, b) => a[0] - b[0]);
    for (const [, key, g] of edgeList) {
      if (!arrows.has(key)) arrows.set(key, []);
      arrows.get(key).push(g);
    }

    // --- the table: every Value with all its digits -------------------------------------------
    const tbody = document.querySelector("#values tbody");
    tbody.replaceChildren();
    const dataCell = [], gradCell = [], doneCell = [];
    nodes.forEach((n, i) => {
      const tr = document.createElement("tr");
      tr.dataset.node = String(i);
      const cells = [String(i), n.name, n.kind, "", D.zero[1], ""].map((text, k) => {
        const td = document.createElement("td");
        td.className = ["index", "name", "kind", "data", "grad", "done"][k];
        td.textContent = text;
        tr.appendChild(td);
        return td;
      });
      dataCell.push(cells[3]);
      gradCell.push(cells[4]);
      doneCell.push(cells[5]);
      tbody.appendChild(tr);
    });
    for (let i = 0; i < N; i++) if (gradText[i]) gradText[i].textContent = "grad " + D.zero[0];
    for (let i = 0; i < N; i++) if (dataText[i]) dataText[i].textContent = "data ?";

    // --- state: what changes from one step to the next, and back ------------------------------
    let cur = 0;
    let completeCount = 0;

    function setData(i, shown) {
      if (dataText[i]) dataText[i].textContent = "data " + (shown ? nodes[i].data : "?");
      if (boxes[i]) boxes[i].classList.toggle("pending", !shown);
      dataCell[i].textContent = shown ? nodes[i].dataRepr : "";
    }
    function setGrad(i, short, full) {
      if (gradText[i]) gradText[i].textContent = "grad " + short;
      gradCell[i].textContent = full;
    }
    function setComplete(i, on) {
      if (boxes[i]) boxes[i].classList.toggle("complete", on);
      doneCell[i].textContent = on ? "yes" : "";
      completeCount += on ? 1 : -1;
    }
    function change(k, on) { // on: take step k; off: take it back
      if (k <= N) return setData(k - 1, on);
      if (k === N + 1) {
        const [short, full] = on ? [D.seed[1], D.seed[2]] : D.zero;
        setGrad(ROOT, short, full);
        return setComplete(ROOT, on);
      }
      const u = D.updates[k - N - 2];
      if (on) setGrad(u[TARGET], u[AFTER], u[AFTER_R]);
      else setGrad(u[TARGET], u[BEFORE], u[BEFORE_R]);
      if (u[COMPLETES]) setComplete(u[TARGET], on);
    }

    // --- what the panel says about the current step -------------------------------------------
    const panel = {
      phase: el("phase"), headline: el("headline"), detail: el("detail"),
      running: el("running"), status: el("status"),
    };
    let marked = [];
    function mark(element, cls) {
      if (!element) return;
      element.classList.add(cls);
      marked.push([element, cls]);
    }
    function unmark() {
      for (const [element, cls] of marked) element.classList.remove(cls);
      marked = [];
    }
    // The picture's side of update k: its arrow lit, the node passing back, the target.
    function markUpdate(u) {
      const lit = (arrows.get(u[TARGET] + "," + u[NODE]) || [])[u[ARROW]];
      mark(lit, "lit");
      mark(ovals[u[NODE]], "source");
      mark(boxes[u[NODE]], "source");
      mark(boxes[u[TARGET]], "current");
      return boxes[u[TARGET]] || lit;
    }
    function showControls(k) {
      write(panel.status, [`complete: ${completeCount} of ${N} Values`]);
      el("counter").textContent = `step ${k} of ${LAST}`;
      el("slider").value = String(k);
      el("prev").disabled = k === 0;
      el("reset").disabled = k === 0;
      el("next").disabled = k === LAST;
    }
    function describe(k) {
      unmark();
      let focus = null;
      write(panel.detail, []);
      write(panel.running, []);
      if (k === 0) {
        write(panel.phase, ["Start"]);
        write(panel.headline, ["Nothing computed yet. Next (\u2192) starts the forward pass."]);
      } else if (k <= N) {
        const i = k - 1, n = nodes[i];
        write(panel.phase, [`Forward pass: Value ${k} of ${N} in topological order`]);
        if (n.kind === "leaf" || n.kind === "const") {
          write(panel.headline, [[n.name, "name"], " = ", [n.data, "value"]]);
          write(panel.detail, [n.formula]);
        } else {
          write(panel.headline, [[n.name, "name"], " = ", [n.formula, "formula"], " = ",
            [n.data, "value"]]);
          write(panel.detail, [`all its operands are computed, so ${n.kind} can run`]);
          mark(ovals[i], "current");
        }
        mark(boxes[i], "current");
        focus = boxes[i];
      } else if (k === N + 1) {
        const r = nodes[ROOT];
        write(panel.phase, ["Backward pass: the seed"]);
        write(panel.headline, [[r.g, "target"], " = ", [D.seed[1], "after"]]);
        write(panel.detail, [`d${r.name}/d${r.name} = 1: backward() starts at the root`]);
        write(panel.running, [[r.g, "target"], " is complete: nothing uses ", r.name]);
        mark(boxes[ROOT], "current");
        focus = boxes[ROOT];
      } else {
        const j = k - N - 2, u = D.updates[j];
        const t = nodes[u[TARGET]], s = nodes[u[NODE]];
        write(panel.phase, [`Backward pass: update ${j + 1} of ${U}`]);
        write(panel.headline, [[t.g, "target"], " += ", [u[LOCAL], "local"], " \u00d7 ",
          [u[UP], "upstream"], " = ", [u[CONTRIB], "contribution"]]);
        write(panel.detail, [
          "local_grad = ", s.d, "/", t.d, ` (${s.kind}, operand ${u[OPERAND]}) = `,
          u[LOCAL], "; upstream = ", s.g, " = ", u[UP], ", complete",
        ]);
        const parts = [[t.g, "target"], ": ", [u[BEFORE], "before"], " \u2192 ",
          [u[AFTER], "after"]];
        if (u[COMPLETES]) parts.push([" \u2014 complete: every use of it has passed back", "done"]);
        write(panel.running, parts);
        focus = markUpdate(u);
      }
      showControls(k);
      if (focus) reveal(focus);
    }

    // Keep the current box in view. scrollIntoView would force a layout of the whole picture at
    // every step (most of a step's time on a big graph); the boxes never move, so their places
    // are measured once, and the scroll position is followed by its events (see bindOnce).
    const scroll = { left: frame.scrollLeft, top: frame.scrollTop,
      width: frame.clientWidth, height: frame.clientHeight };
    let places = null;
    function reveal(element) {
      if (scroll.width === 0) return;
      if (places === null) {
        places = new Map();
        const origin = frame.getBoundingClientRect();
        for (const g of svg.querySelectorAll("g.node, g.edge")) {
          const r = g.getBoundingClientRect();
          places.set(g, { x: r.left - origin.left + frame.scrollLeft,
            y: r.top - origin.top + frame.scrollTop, w: r.width, h: r.height });
        }
      }
      const p = places.get(element);
      if (!p) return;
      let { left, top } = scroll;
      // out of view: bring it to the middle (pixel positions only; no number shown is computed)
      if (p.x < left || p.x + p.w > left + scroll.width) {
        left = Math.max(0, p.x - (scroll.width - p.w) / 2);
      }
      if (p.y < top || p.y + p.h > top + scroll.height) {
        top = Math.max(0, p.y - (scroll.height - p.h) / 2);
      }
      if (left !== scroll.left || top !== scroll.top) {
        frame.scrollTo(left, top);
        scroll.left = left; // until the scroll event says where it really stopped
        scroll.top = top;
      }
    }
    function resized() {
      scroll.width = frame.clientWidth;
      scroll.height = frame.clientHeight;
      places = null; // measured again at the next step (the picture may have been hidden)
      if (zoom === null) applyZoom();
    }

    // Zoom: the picture's size in CSS pixels is its natural size (dot's points) times `scale`.
    // zoom === null means "fit": as wide as the frame, never larger than natural (and, in a
    // frame, never smaller than READABLE).
    const natural = { width: svg.width.baseVal.value, height: svg.height.baseVal.value };
    let zoom = null;
    let shownScale = 0;
    function fitScale() {
      const style = getComputedStyle(frame);
      const room = frame.clientWidth - parseFloat(style.paddingLeft) -
        parseFloat(style.paddingRight);
      const fit = room > 0 ? Math.min(1, room / natural.width) : 1;
      return IN_FRAME ? Math.max(fit, READABLE) : fit;
    }
    function applyZoom() {
      const scale = zoom === null ? fitScale() : zoom;
      if (scale === shownScale) return;
      shownScale = scale;
      svg.style.width = `${natural.width * scale}px`;
      svg.style.height = `${natural.height * scale}px`;
      places = null; // the boxes moved: measured again at the next step
      el("zoom-level").textContent =
        (zoom === null ? "fit: " : "") + `${Math.round(scale * 100)}%`;
      el("fit").setAttribute("aria-pressed", String(zoom === null));
      document.body.dataset.zoom = zoom === null ? "fit" : String(zoom);
    }
    function zoomBy(direction) {
      const now = zoom === null ? shownScale : zoom;
      const next = direction > 0 ? ZOOMS.find((z) => z > now + 1e-9)
        : [...ZOOMS].reverse().find((z) => z < now - 1e-9);
      if (next !== undefined) zoom = next;
      applyZoom();
    }
    function fit() {
      zoom = null;
      applyZoom();
    }

    // --- practice: the learner computes each update before the page shows it ------------------
    // A step is asked when the learner steps onto it (Next, the right arrow) in practice mode;
    // jumps (slider, End) show steps without asking. Each step counts once in the score, by its
    // first answer; a wrong answer shows the right one, which the learner types to go on.
    const quiz = {
      asking: 0, // the step being asked, not yet shown; 0 for none
      shownAfter: 0, // the step just answered right: its feedback stays up
      first: new Map(), // step -> its first answer was right (true/false); null: shown unasked
    };
    function practising() {
      return el("practice").checked;
    }
    function isUpdate(k) {
      return k >= N + 2 && k <= LAST;
    }
    function showScore() {
      let right = 0, answered = 0;
      for (const ok of quiz.first.values()) {
        if (ok === null) continue;
        answered += 1;
        right += ok ? 1 : 0;
      }
      el("score").textContent = practising() ? `${right} of ${answered} right` : "";
    }
    function ask(k) {
      quiz.asking = k;
      quiz.shownAfter = 0;
      const j = k - N - 2, u = D.updates[j];
      const t = nodes[u[TARGET]], s = nodes[u[NODE]];
      unmark();
      write(panel.phase, [`Backward pass: update ${j + 1} of ${U} \u2014 your turn`]);
      write(panel.headline, [[t.g, "target"], " += ", ["?", "local"], " \u00d7 ",
        [u[UP], "upstream"], " = ", ["?", "contribution"]]);
      write(panel.detail, [
        "local_grad = ", s.d, "/", t.d, ` (${s.kind}, operand ${u[OPERAND]}): from the data `,
        "in the boxes; upstream = ", s.g, " = ", u[UP], ", complete",
      ]);
      write(panel.running, [[t.g, "target"], ": ", [u[BEFORE], "before"], " \u2192 ?"]);
      const focus = markUpdate(u);
      showControls(k - 1);
      el("counter").textContent = `step ${k} of ${LAST}: your answer?`;
      openQuiz();
      if (focus) reveal(focus);
      el("answer").focus();
    }
    function openQuiz() {
      const answer = el("answer");
      answer.value = "";
      answer.disabled = false;
      write(el("feedback"), []);
      el("feedback").className = "";
      delete el("feedback").dataset.answer;
      el("hint-text").hidden = true;
      for (const id of ["check", "hint", "skip"]) el(id).disabled = false;
      el("quiz").hidden = false;
    }
    function closeQuiz() {
      quiz.asking = 0;
      quiz.shownAfter = 0;
      el("quiz").hidden = true;
    }
    function check() {
      const k = quiz.asking;
      if (!k) return;
      const u = D.updates[k - N - 2];
      const given = readNumber(el("answer").value);
      const feedback = el("feedback");
      if (given === null) {
        feedback.className = "";
        write(feedback, ["Type a number (such as 0.25, -1.5e-3 or inf)."]);
        return;
      }
      const right = readNumber(u[CONTRIB_R]); // the engine's own float, all its digits
      const ok = close(given, right);
      if (!quiz.first.has(k)) quiz.first.set(k, ok);
      showScore();
      feedback.className = ok ? "right" : "wrong";
      const product = [[u[LOCAL], "local"], " \u00d7 ", [u[UP], "upstream"], " = ",
        [u[CONTRIB], "contribution"]];
      if (!ok) {
        feedback.dataset.answer = u[CONTRIB_R];
        write(feedback, ["Not this time. The step adds local_grad \u00d7 upstream = ", ...product,
          ` (all digits: ${u[CONTRIB_R]}). Type it to go on.`]);
        el("answer").select();
        return;
      }
      delete feedback.dataset.answer;
      write(feedback, ["Right: local_grad \u00d7 upstream = ", ...product, "."]);
      go(k);
      quiz.shownAfter = k;
      el("quiz").hidden = false;
      el("answer").blur(); // the arrow keys step again
      el("answer").disabled = true;
      for (const id of ["check", "hint", "skip"]) el(id).disabled = true;
    }
    function hint() {
      const k = quiz.asking;
      if (!k) return;
      const u = D.updates[k - N - 2];
      const s = nodes[u[NODE]], t = nodes[u[TARGET]];
      const box = el("hint-text");
      // The catalogue's formula for the operation (written in Python, ops.py), what its names
      // stand for here, and its code for this operand's local_grad.
      const parts = [[s.kind, "op"], ": ", [s.rule, "rule"], ". Here ", s.where, `; ${t.name} `,
        `is operand ${u[OPERAND]}`];
      if (u[CODE]) parts.push(", so local_grad = ", [u[CODE], "code"]);
      parts.push(".");
      write(box, parts);
      box.hidden = false;
    }
    function skip() {
      const k = quiz.asking;
      if (!k) return;
      if (!quiz.first.has(k)) quiz.first.set(k, null);
      go(k);
    }
    function practice() { // the toggle changed
      closeQuiz();
      showScore();
      describe(cur);
    }

    function go(k) {
      k = Math.max(0, Math.min(LAST, k));
      closeQuiz();
      while (cur < k) change(++cur, true);
      while (cur > k) change(cur--, false);
      describe(k);
    }
    // One step on: in practice mode, a backward update is asked before it is shown.
    function stepOn() {
      const k = cur + 1;
      if (quiz.asking) return el("answer").focus();
      if (practising() && isUpdate(k) && !quiz.first.has(k)) return ask(k);
      go(k);
    }

    el("slider").max = String(LAST);
    el("legend").textContent = D.highlight
      ? `In red: the path(s) from ${D.highlight} up to ${nodes[ROOT].name}, the chain(s) ` +
        `its gradient is multiplied along.`
      : "";
    document.body.dataset.steps = String(LAST);
    closeQuiz();
    showScore();
    applyZoom();
    describe(0);
    return {
      go, stepOn, zoomBy, fit, resized, check, hint, skip, practice, scroll,
      get cur() { return cur; },
      get last() { return LAST; },
    };
  }

  // --- pieces every view uses -------------------------------------------------------------------
  function write(target, parts) {
    // parts: strings, or [text, className] for a piece a reader (or a test) may look up
    target.replaceChildren();
    for (const part of parts) {
      if (typeof part === "string") {
        target.appendChild(document.createTextNode(part));
      } else {
        const span = document.createElement("span");
        span.className = part[1];
        span.textContent = part[0];
        target.appendChild(span);
      }
    }
  }
  // A number as a learner types it, or as Python's repr writes it (inf, -inf, nan); null if none.
  function readNumber(text) {
    const t = text.trim().replace(/\u2212/g, "-").toLowerCase();
    const special = { "inf": Infinity, "+inf": Infinity, "-inf": -Infinity,
      "infinity": Infinity, "-infinity": -Infinity, "nan": NaN };
    if (t in special) return special[t];
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return null;
    return Number(t);
  }
  // Right: the same to 4 significant digits, or within 1e-6 of it relatively.
  function close(given, right) {
    if (Number.isNaN(right)) return Number.isNaN(given);
    if (!Number.isFinite(right)) return given === right;
    return given.toPrecision(4) === right.toPrecision(4) ||
      Math.abs(given - right) <= 1e-6 * Math.abs(right);
  }

  // Listeners are bound once per document; each asks the view mounted now. A second mount
  // replaces the view, never adds a second set of listeners.
  let bound = false;
  function bindOnce() {
    if (bound) return;
    bound = true;
    const frame = el("graph");
    frame.addEventListener("scroll", () => {
      if (!view) return;
      view.scroll.left = frame.scrollLeft;
      view.scroll.top = frame.scrollTop;
    }, { passive: true });
    new ResizeObserver(() => view && view.resized()).observe(frame);
    // The picture's frame takes the window's height below the (sticky) header, which grows
    // while practice mode asks: so the box a step is about is on screen, not under the fold.
    const header = el("panel").closest("header");
    if (header) {
      new ResizeObserver(() => {
        document.body.style.setProperty("--header-height", `${header.offsetHeight}px`);
      }).observe(header);
    }
    el("slider").addEventListener("input", (e) => view.go(Number(e.target.value)));
    el("next").addEventListener("click", () => view.stepOn());
    el("prev").addEventListener("click", () => view.go(view.cur - 1));
    el("reset").addEventListener("click", () => view.go(0));
    el("zoom-in").addEventListener("click", () => view.zoomBy(1));
    el("zoom-out").addEventListener("click", () => view.zoomBy(-1));
    el("fit").addEventListener("click", () => view.fit());
    el("practice").addEventListener("change", () => view.practice());
    el("quiz").addEventListener("submit", (e) => {
      e.preventDefault(); // checked here; a form never leaves the page
      view.check();
    });
    el("hint").addEventListener("click", () => view.hint());
    el("skip").addEventListener("click", () => view.skip());
    document.addEventListener("keydown", (e) => {
      if (!view || e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) return;
      const zoomKey = { "+": 1, "=": 1, "-": -1 }[e.key];
      if (zoomKey !== undefined || e.key === "0") {
        e.preventDefault();
        if (zoomKey === undefined) view.fit();
        else view.zoomBy(zoomKey);
        return;
      }
      const keys = { ArrowRight: () => view.stepOn(), ArrowLeft: () => view.go(view.cur - 1),
        Home: () => view.go(0), End: () => view.go(view.last) };
      if (!(e.key in keys)) return;
      e.preventDefault();
      keys[e.key]();
    });
  }
  // Keys typed into a field (the answer, the slider, a host page's editor) are the field's.
  function typing(target) {
    if (!(target instanceof Element)) return false;
    if (target.closest("textarea, select, [contenteditable]")) return true;
    return target.tagName === "INPUT" && !["checkbox", "button", "submit"].includes(target.type);
  }

  window.chainrulePage = { mount };
  const block = el("trace");
  if (block && document.querySelector("#graph svg")) mount(JSON.parse(block.textContent));
})();
