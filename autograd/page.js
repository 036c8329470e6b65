// The stepper of autograd.to_html: it only shows strings the engine's trace already holds
// (formatted in Python), so it does no arithmetic on the numbers it displays. Labels are
// written with textContent, never as markup.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("trace").textContent);
  const nodes = D.nodes;
  const N = nodes.length;
  const U = D.updates.length;
  const ROOT = D.seed[0];
  const LAST = N + 1 + U; // 0 start, 1..N forward, N+1 the seed, then one step per update

  // Update rows, by field: see page.py's _data.
  const NODE = 0, OPERAND = 1, TARGET = 2, LOCAL = 3, UP = 5, CONTRIB = 7,
    BEFORE = 9, BEFORE_R = 10, AFTER = 11, AFTER_R = 12, COMPLETES = 13, ARROW = 14;

  // --- the picture: boxes, ovals and arrows by their DOT names --------------------------------
  const boxes = new Array(N).fill(null);
  const ovals = new Array(N).fill(null);
  const dataText = new Array(N).fill(null);
  const gradText = new Array(N).fill(null);
  const arrows = new Map(); // "target,node" -> the arrows operand -> oval, in operand order
  const svg = document.querySelector("#graph svg");
  // Hover text: dot titles each group by its DOT name (v10_op, v1->v10_op); draw_dot gives each
  // a tooltip with the node's name (an <a xlink:title>, which browsers show first). Both say
  // the name here, and the DOT name moves to a data attribute.
  const XLINK = "http://www.w3.org/1999/xlink";
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
    const m = /^v(\d+)(_op)?$/.exec(title.textContent);
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
    const dotName = g.querySelector("title").textContent;
    g.dataset.dot = dotName;
    setHover(g, null);
    const m = /^v(\d+)->v(\d+)_op$/.exec(dotName);
    if (m) edgeList.push([Number(g.id.replace("edge", "")), m[1] + "," + m[2], g]);
  }
  edgeList.sort((a, b) => a[0] - b[0]); // dot numbers arrows in the order they were drawn
  for (const [, key, g] of edgeList) {
    if (!arrows.has(key)) arrows.set(key, []);
    arrows.get(key).push(g);
  }

  // --- the table: every Value with all its digits ---------------------------------------------
  const tbody = document.querySelector("#values tbody");
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

  // --- state: what changes from one step to the next, and back --------------------------------
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

  // --- what the panel says about the current step ---------------------------------------------
  const el = (id) => document.getElementById(id);
  const panel = {
    phase: el("phase"), headline: el("headline"), detail: el("detail"),
    running: el("running"), status: el("status"),
  };
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
  let marked = [];
  function mark(element, cls) {
    if (!element) return;
    element.classList.add(cls);
    marked.push([element, cls]);
  }
  function describe(k) {
    for (const [element, cls] of marked) element.classList.remove(cls);
    marked = [];
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
      const lit = (arrows.get(u[TARGET] + "," + u[NODE]) || [])[u[ARROW]];
      mark(lit, "lit");
      mark(ovals[u[NODE]], "source");
      mark(boxes[u[NODE]], "source");
      mark(boxes[u[TARGET]], "current");
      focus = boxes[u[TARGET]] || lit;
    }
    write(panel.status, [`complete: ${completeCount} of ${N} Values`]);
    el("counter").textContent = `step ${k} of ${LAST}`;
    el("slider").value = String(k);
    el("prev").disabled = k === 0;
    el("reset").disabled = k === 0;
    el("next").disabled = k === LAST;
    if (focus) reveal(focus);
  }

  // Keep the current box in view. scrollIntoView would force a layout of the whole picture at
  // every step (most of a step's time on a big graph); the boxes never move, so their places are
  // measured once, and the scroll position is followed by its events.
  const frame = el("graph");
  const view = { left: 0, top: 0, width: 0, height: 0 };
  let places = null;
  frame.addEventListener("scroll", () => {
    view.left = frame.scrollLeft;
    view.top = frame.scrollTop;
  }, { passive: true });
  new ResizeObserver(() => {
    view.width = frame.clientWidth;
    view.height = frame.clientHeight;
    places = null; // measured again at the next step (the picture may have been hidden)
  }).observe(frame);
  function reveal(element) {
    if (view.width === 0) return;
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
    let { left, top } = view;
    // out of view: bring it to the middle (pixel positions only; no number shown is computed)
    if (p.x < left || p.x + p.w > left + view.width) left = Math.max(0, p.x - (view.width - p.w) / 2);
    if (p.y < top || p.y + p.h > top + view.height) top = Math.max(0, p.y - (view.height - p.h) / 2);
    if (left !== view.left || top !== view.top) {
      frame.scrollTo(left, top);
      view.left = left; // until the scroll event says where it really stopped
      view.top = top;
    }
  }

  // Zoom: the picture's size in CSS pixels is its natural size (dot's points) times `scale`.
  // zoom === null means "fit": as wide as the frame, never larger than natural.
  const natural = { width: svg.width.baseVal.value, height: svg.height.baseVal.value };
  const ZOOMS = [0.1, 0.15, 0.2, 0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4];
  let zoom = null;
  let shownScale = 0;
  function fitScale() {
    const style = getComputedStyle(frame);
    const room = frame.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return room > 0 ? Math.min(1, room / natural.width) : 1;
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
  el("zoom-in").addEventListener("click", () => zoomBy(1));
  el("zoom-out").addEventListener("click", () => zoomBy(-1));
  el("fit").addEventListener("click", () => {
    zoom = null;
    applyZoom();
  });
  new ResizeObserver(() => {
    if (zoom === null) applyZoom();
  }).observe(frame);

  function go(k) {
    k = Math.max(0, Math.min(LAST, k));
    while (cur < k) change(++cur, true);
    while (cur > k) change(cur--, false);
    describe(k);
  }

  el("slider").max = String(LAST);
  el("slider").addEventListener("input", (e) => go(Number(e.target.value)));
  el("next").addEventListener("click", () => go(cur + 1));
  el("prev").addEventListener("click", () => go(cur - 1));
  el("reset").addEventListener("click", () => go(0));
  document.addEventListener("keydown", (e) => {
    if (e.target === el("slider") || e.altKey || e.ctrlKey || e.metaKey) return;
    const zoomKey = { "+": 1, "=": 1, "-": -1 }[e.key];
    if (zoomKey !== undefined || e.key === "0") {
      e.preventDefault();
      if (zoomKey === undefined) el("fit").click();
      else zoomBy(zoomKey);
      return;
    }
    const to = { ArrowRight: cur + 1, ArrowLeft: cur - 1, Home: 0, End: LAST }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    go(to);
  });
  if (D.highlight) {
    el("legend").textContent =
      `In red: the path(s) from ${D.highlight} up to ${nodes[ROOT].name}, the chain(s) ` +
      `its gradient is multiplied along.`;
  }
  document.body.dataset.steps = String(LAST);
  applyZoom();
  describe(0);
})();
