// The playground: chainrule's own wheel in Pyodide (CPython in WebAssembly), the graph laid out
// by Graphviz in WebAssembly (@viz-js/viz) and stepped by the stepping page's own page.js.
// Python does all the work (runner.py: run the program, then autograd.page.page_parts); this
// script only moves text between the page and Python, and the DOT source through Graphviz.
//
// The contract the tests and the benchmark rely on: textarea#code, window.playground.setCode,
// button#run (disabled until the engine is loaded), window.playground.ready, #output (what the
// program printed, and an error as one line: #output .error), window.playground.runs (how many
// runs have finished) and window.playground.timings (milliseconds: ready, counted from the
// start of the page's navigation as performance.now() counts, and lastRun: the last run, from
// the program's start to the stepping view drawn).
(function () {
  "use strict";
  const body = document.body;
  const code = document.getElementById("code");
  const runButton = document.getElementById("run");
  const output = document.getElementById("output");
  const loading = document.getElementById("loading");
  const explainText = document.getElementById("explain-text");
  const compiledCode = document.getElementById("compiled-code");
  const view = document.querySelector(".play-view");
  const examples = JSON.parse(document.getElementById("examples-data").textContent);

  let runner = null; // the runner module in Pyodide (runner.py)
  let viz = null; // Graphviz
  let busy = false;

  const playground = {
    ready: false,
    runs: 0,
    timings: {},
    setCode(text) {
      code.value = String(text);
    },
    run: run,
  };
  window.playground = playground;

  function say(text, problem) {
    loading.textContent = text;
    loading.classList.toggle("problem", Boolean(problem));
  }

  // --- the examples: one click loads one, and runs it once the engine is there ----------------
  for (const button of document.querySelectorAll("button.example")) {
    button.addEventListener("click", () => {
      playground.setCode(examples[Number(button.dataset.example)].code);
      if (playground.ready) run();
    });
  }

  // --- the editor: Ctrl+Enter runs; Tab indents (4 spaces) unless Escape came just before -------
  let escaped = false;
  code.addEventListener("keydown", (event) => {
    event.stopPropagation(); // the stepping view's keys are for the view, not for typing
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    } else if (event.key === "Tab" && !event.shiftKey && !escaped && !event.ctrlKey) {
      event.preventDefault();
      code.setRangeText("    ", code.selectionStart, code.selectionEnd, "end");
    }
    escaped = event.key === "Escape";
  });

  // --- loading ----------------------------------------------------------------------------------
  if (body.dataset.note) {
    say(body.dataset.note, true);
    return;
  }
  if (location.protocol === "file:") {
    say("A browser will not load WebAssembly from disk (file://): serve the site with " +
        "`chainrule play` (or `python -m http.server -d site`) and open playground.html there.",
        true);
    return;
  }

  function fetchBytes(url) {
    return fetch(url).then((response) => {
      if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
      return response.arrayBuffer();
    });
  }

  function loadScript(url) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`${url} did not load`));
      document.head.appendChild(script);
    });
  }

  // Graphviz is started once Python is up (both would compete for the one main thread), and
  // awaited by the first run only: #run is enabled as soon as Python and chainrule are ready.
  let vizReady = null;
  function startViz(base) {
    vizReady = loadScript(new URL("viz/viz-global.js", base).href)
      .then(() => window.Viz.instance())
      .then((instance) => {
        viz = instance;
        playground.timings.viz = performance.now();
        return instance;
      });
    vizReady.catch(() => {}); // a failure is reported by the run that needs it
  }

  async function load() {
    const base = new URL("playground/", location.href);
    const files = Promise.all([
      fetchBytes(new URL(body.dataset.wheel, location.href).href),
      fetchBytes(new URL("graphviz.zip", base).href),
      fetch(new URL("runner.py", base).href).then((r) => r.text()),
    ]);
    const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", base).href);
    const py = await loadPyodide({ indexURL: new URL("pyodide/", base).href });
    playground.timings.python = performance.now();
    const [wheel, graphviz, runnerSource] = await files;
    // The wheel unpacked as pip would install it (its dependencies are not: numpy and tqdm are
    // not in the playground, graphviz's pure-Python package is unpacked beside it).
    py.unpackArchive(wheel, "wheel");
    const sitePackages = py.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
    py.unpackArchive(graphviz, "zip", { extractDir: sitePackages });
    py.FS.writeFile(`${sitePackages}/chainrule_playground.py`, runnerSource);
    runner = py.pyimport("chainrule_playground");
    startViz(base);
    playground.timings.ready = performance.now();
    playground.ready = true;
    runButton.disabled = false;
    say(`Ready: ${runner.versions()}. Loaded in ` +
        `${(playground.timings.ready / 1000).toFixed(1)} s.`);
    // Import what a run needs (nn, the page's parts, explain, compile) while the reader reads,
    // so the first run is as quick as the next ones.
    setTimeout(() => {
      try {
        if (!busy) runner.warm();
      } catch (error) {
        // Nothing lost: the run that needs the module imports it and says what failed.
      }
    }, 50);
  }

  // --- a run ------------------------------------------------------------------------------------
  function show(result) {
    output.textContent = result.output;
    if (result.error) {
      const line = document.createElement("span");
      line.className = "error";
      line.textContent = result.error;
      output.appendChild(line);
    }
    explainText.textContent = result.explain || "";
    compiledCode.textContent = result.compiled || "";
    view.classList.toggle("empty", !result.page);
    if (result.page) {
      const svg = viz.renderString(result.page.dot, { format: "svg" });
      window.chainrulePage.mount(result.page.data, svg);
    }
  }

  function run() {
    if (!playground.ready || busy) return Promise.resolve(null);
    busy = true;
    runButton.disabled = true;
    say("Running…");
    const finish = (result, t0) => {
      playground.timings.lastRun = performance.now() - t0;
      playground.runs += 1;
      say(`Ran in ${playground.timings.lastRun.toFixed(0)} ms.`);
      busy = false;
      runButton.disabled = false;
      return result;
    };
    // One frame first, so the browser paints "Running…" before Python holds the thread.
    return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))
      .then(() => vizReady)
      .then(() => {
        const t0 = performance.now();
        let result;
        try {
          result = JSON.parse(runner.run(code.value));
          show(result);
        } catch (error) {
          // Not the program's error (runner.py catches those): the playground's own.
          result = { output: "", error: `playground: ${String(error.message).split("\n")[0]}` };
          show(result);
        }
        return finish(result, t0);
      }, (error) => {
        const result = { output: "", error: "playground: Graphviz (viz.js) did not load: " +
                         String(error.message || error).split("\n")[0] };
        show(result);
        return finish(result, performance.now());
      });
  }

  runButton.addEventListener("click", () => run());
  load().catch((error) => {
    say(`The playground could not load: ${String(error.message || error).split("\n")[0]}`, true);
  });
})();
