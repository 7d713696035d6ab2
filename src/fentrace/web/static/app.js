// fentrace web: small progressive enhancement. Everything works without it; no inline script.
(function () {
  "use strict";

  // Upload: drag and drop onto the drop zone fills the file input.
  function setUpUpload() {
    var zone = document.getElementById("drop-zone");
    var input = document.getElementById("file");
    var shown = document.getElementById("drop-name");
    if (!zone || !input) { return; }
    function showName() { shown.textContent = input.files.length ? input.files[0].name : ""; }
    input.addEventListener("change", showName);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (ev) { ev.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (ev) {
      ev.preventDefault();
      if (ev.dataTransfer && ev.dataTransfer.files.length) { input.files = ev.dataTransfer.files; showName(); }
    });
  }

  // Job page: poll the job's progress and move the bar until the job ends, then reload once
  // so that the rejected rows are listed.
  function setUpJob() {
    var box = document.getElementById("job");
    if (!box) { return; }
    var state = box.getAttribute("data-state");
    if (state === "succeeded" || state === "failed") { return; }
    var bar = document.getElementById("job-progress");
    var url = "/jobs/" + encodeURIComponent(box.getAttribute("data-job")) + "/progress";
    function text(id, value) { var el = document.getElementById(id); if (el) { el.textContent = value; } }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { window.setTimeout(poll, 2000); return; }
          if (job.rows_total) { bar.max = job.rows_total; bar.value = job.rows_screened; }
          text("job-state", job.state);
          text("job-rows", String(job.rows_screened));
          text("job-total", job.rows_total === null ? "?" : String(job.rows_total));
          text("job-alerts", String(job.alerts_stored));
          if (job.state === "succeeded" || job.state === "failed") {
            if (job.state === "succeeded" && job.rows_total) { bar.value = bar.max; }
            box.setAttribute("data-state", job.state);
            window.setTimeout(function () { window.location.reload(); }, 300);
          } else {
            window.setTimeout(poll, 400);
          }
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }
    poll();
  }

  // Alert queue: j/k move, Enter opens, f/t/e review the current alert; row click opens;
  // the header checkbox selects every alert of the page.
  function setUpQueue() {
    var table = document.getElementById("queue");
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        table.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = all.checked; });
      });
    }
    var index = -1;
    function move(to) {
      if (!rows.length) { return; }
      if (index >= 0) { rows[index].classList.remove("current"); rows[index].removeAttribute("aria-selected"); }
      index = Math.max(0, Math.min(rows.length - 1, to));
      rows[index].classList.add("current");
      rows[index].setAttribute("aria-selected", "true");
      rows[index].scrollIntoView({ block: "nearest" });
    }
    rows.forEach(function (row, number) {
      row.addEventListener("click", function (ev) {
        var tag = ev.target.tagName;
        if (tag === "INPUT" || tag === "A" || tag === "LABEL") { return; }
        move(number);
        window.location.href = row.getAttribute("data-href");
      });
    });
    var quick = document.getElementById("quick-review");
    var keys = { f: "false_positive", t: "true_positive", e: "escalated" };
    document.addEventListener("keydown", function (ev) {
      var tag = (ev.target && ev.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
      if (ev.key === "j") { move(index + 1); ev.preventDefault(); }
      else if (ev.key === "k") { move(index - 1); ev.preventDefault(); }
      else if (ev.key === "Enter" && index >= 0) { window.location.href = rows[index].getAttribute("data-href"); ev.preventDefault(); }
      else if (keys[ev.key] && quick && index >= 0) {
        quick.action = "/alerts/" + rows[index].getAttribute("data-id") + "/review";
        quick.querySelector("input[name=disposition]").value = keys[ev.key];
        quick.submit();
        ev.preventDefault();
      }
    });
  }

  // Alert detail: f/t/e press the review buttons.
  function setUpReview() {
    var form = document.getElementById("review-form");
    if (!form) { return; }
    document.addEventListener("keydown", function (ev) {
      var tag = (ev.target && ev.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
      var button = form.querySelector("button[data-key=\"" + ev.key + "\"]");
      if (button) { ev.preventDefault(); button.click(); }
    });
  }

  // Simulation run: poll the months simulated, reload when the run ends.
  function setUpSimulation() {
    var box = document.getElementById("simulation");
    if (!box) { return; }
    var state = box.getAttribute("data-state");
    if (state === "succeeded" || state === "failed") { return; }
    var bar = document.getElementById("sim-progress");
    var url = "/simulate/" + encodeURIComponent(box.getAttribute("data-run")) + "/progress";
    function poll() {
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (run) {
          if (!run) { window.setTimeout(poll, 2000); return; }
          bar.value = run.months_done;
          document.getElementById("sim-state").textContent = run.state;
          document.getElementById("sim-done").textContent = String(run.months_done);
          if (run.state === "succeeded" || run.state === "failed") { window.location.reload(); }
          else { window.setTimeout(poll, 500); }
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }
    poll();
  }

  function start() { setUpUpload(); setUpJob(); setUpQueue(); setUpReview(); setUpSimulation(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
