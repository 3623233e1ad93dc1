// The import page: queues dropped or picked files, uploads them a few requests at a time, and
// shows progress from the session's Server-Sent-Event stream (so a reloaded page re-attaches to it).
// Only counters and capped lists touch the DOM: a row per file would freeze the tab at 20,000 files.
(() => {
  "use strict";

  const PARALLEL_REQUESTS = 4;
  const BATCH_MAX_FILES = 4;
  // Request bodies stream to the server as they are sent, so size is no memory concern there;
  // a few files per request spread Django's fixed cost per request over several files.
  const BATCH_MAX_BYTES = 32 * 1024 * 1024;
  const LIST_LIMIT = 300;
  const SCAN_CHUNK = 200;
  const STORAGE_KEY = "photosite.import.session";

  const root = document.getElementById("importer");
  const dropZone = document.getElementById("drop-zone");
  const statusLine = document.getElementById("import-status");
  const actions = document.getElementById("import-actions");
  const progressBar = document.getElementById("import-progress");
  const summary = document.getElementById("summary");

  let state = freshState();

  function freshState() {
    return {
      session: null, queue: [], queued: 0, active: 0, scans: 0, localFailed: 0,
      counts: { imported: 0, duplicate: 0, failed: 0 }, seen: new Set(), failureLabels: new Map(), events: null,
      finishing: false, complete: false, interrupted: false, message: "",
    };
  }

  // ---- lists (capped) -------------------------------------------------------------------------
  function outcomeList(id) {
    const element = document.getElementById(id);
    return { element, items: element.querySelector("ol"), count: element.querySelector("[data-list-count]"),
             more: element.querySelector(".more"), total: 0 };
  }
  let failures = outcomeList("failures");
  let duplicates = outcomeList("duplicates");

  function addToList(list, buildItem) {
    list.total += 1;
    list.element.hidden = false;
    list.count.textContent = list.total.toLocaleString();
    if (list.total <= LIST_LIMIT) {
      list.items.append(buildItem());
    } else {
      list.more.hidden = false;
      list.more.textContent = `…and ${(list.total - LIST_LIMIT).toLocaleString()} more (all are in the import log).`;
    }
  }

  // A failure names the file by its path in what was dropped or picked ("trip/docs/LICENSE"):
  // the server knows base names only, so a failure first heard from the event stream is renamed
  // when its upload's answer arrives.
  function addFailure(name, reason, outcomeId) {
    addToList(failures, () => {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.className = "file-name";
      label.textContent = name;
      if (outcomeId != null) state.failureLabels.set(outcomeId, label);
      item.append(label, ` — ${reason}`);
      return item;
    });
  }

  function shownPath(file) {
    return file.webkitRelativePath || file.droppedPath || file.name;
  }

  function addDuplicate(name, photoId, note) {
    addToList(duplicates, () => {
      const item = document.createElement("li");
      if (photoId == null) {  // a photo this person may not see (in the trash): named, not linked
        const label = document.createElement("span");
        label.className = "file-name";
        label.textContent = name;
        item.append(label, ` — ${note}`);
        return item;
      }
      const link = document.createElement("a");
      link.href = `/photo/${photoId}/`;
      const preview = document.createElement("img");
      preview.src = `/api/photo/${photoId}/thumbnail`;
      preview.loading = "lazy";
      preview.alt = "";
      link.append(preview, `${name} is photo #${photoId}`);
      item.append(link);
      return item;
    });
  }

  function resetLists() {
    for (const list of [failures, duplicates]) {
      list.items.replaceChildren();
      list.element.hidden = true;
      list.more.hidden = true;
    }
    failures = outcomeList("failures");
    duplicates = outcomeList("duplicates");
  }

  // ---- rendering (at most once per frame) -----------------------------------------------------
  let renderPending = false;
  function render() {
    if (renderPending) return;
    renderPending = true;
    requestAnimationFrame(() => {
      renderPending = false;
      const { imported, duplicate, failed } = state.counts;
      const done = imported + duplicate + failed + state.localFailed;
      const remaining = Math.max(0, state.queued - done);
      const shown = { imported, duplicate, failed: failed + state.localFailed, remaining };
      for (const [key, value] of Object.entries(shown)) {
        root.querySelector(`[data-count="${key}"]`).textContent = value.toLocaleString();
      }
      progressBar.max = Math.max(1, state.queued);
      progressBar.value = Math.min(done, state.queued);
      statusLine.textContent = state.message || statusText(done, remaining);
      actions.hidden = !(state.interrupted && state.session && !state.complete);
    });
  }

  function statusText(done, remaining) {
    if (state.complete) return "Import complete.";
    if (state.finishing) return "Finishing…";
    if (state.interrupted) {
      return `This import was interrupted by a page reload: ${remaining.toLocaleString()} of ` +
        `${state.queued.toLocaleString()} files did not reach the library. Add them again (files already ` +
        "imported will show as duplicates), or finish this import.";
    }
    if (!state.session) return "Nothing imported yet.";
    return `Importing… ${done.toLocaleString()} of ${state.queued.toLocaleString()} files done.`;
  }

  // ---- outcomes, from the event stream and from the upload responses --------------------------
  function applyCounts(counts) {
    if (!counts) return;
    // Events of parallel uploads may arrive out of order: a count never goes down.
    for (const key of ["imported", "duplicate", "failed"]) {
      state.counts[key] = Math.max(state.counts[key], counts[key] || 0);
    }
    render();
  }

  function applyOutcome(outcome) {
    if (outcome.outcome_id != null) {
      if (state.seen.has(outcome.outcome_id)) {
        const label = state.failureLabels.get(outcome.outcome_id);
        if (label && outcome.path) label.textContent = outcome.path;
        return;
      }
      state.seen.add(outcome.outcome_id);
    }
    if (outcome.status === "failed") addFailure(outcome.path || outcome.name, outcome.error, outcome.outcome_id);
    if (outcome.status === "duplicate") addDuplicate(outcome.name, outcome.photo_id, outcome.error);
    applyCounts(outcome.counts);
  }

  function showSummary(data) {
    state.complete = true;
    state.finishing = false;
    state.counts = { ...data.counts };
    const { imported, duplicate, failed } = data.counts;
    const seconds = data.duration == null ? "" : ` in ${data.duration.toFixed(1)} s`;
    document.getElementById("summary-text").textContent =
      `${imported.toLocaleString()} imported, ${duplicate.toLocaleString()} already in the library, ` +
      `${(failed + state.localFailed).toLocaleString()} failed${seconds}.`;
    summary.hidden = false;
    sessionStorage.removeItem(STORAGE_KEY);
    if (state.events) state.events.close();
    render();
  }

  function listen(session) {
    const events = new EventSource(session.events_url);
    events.addEventListener("file", (event) => applyOutcome(JSON.parse(event.data)));
    events.addEventListener("complete", (event) => showSummary(JSON.parse(event.data)));
    events.addEventListener("stream-reset", () => refreshCounts(session));
    events.addEventListener("stream-error", (event) => {
      events.close();
      state.message = `Progress stream closed: ${JSON.parse(event.data).text}`;
      render();
    });
    state.events = events;
  }

  async function refreshCounts(session) {
    const response = await fetch(`/api/imports/${session.id}`, { credentials: "same-origin" });
    if (response.ok) applyCounts((await response.json()).counts);
  }

  // ---- the session ----------------------------------------------------------------------------
  function remember() {
    const { id, events_url } = state.session;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ id, events_url, queued: state.queued }));
  }

  async function post(url, body) {
    return fetch(url, { method: "POST", body, credentials: "same-origin",
                        headers: { "X-CSRFToken": root.dataset.csrfToken, Accept: "application/json" } });
  }

  async function ensureSession() {
    if (state.complete) {
      state = freshState();
      resetLists();
      summary.hidden = true;
    }
    if (state.session) return;
    const response = await post(root.dataset.sessionsUrl);
    if (!response.ok) throw new Error(`could not start an import (${response.status})`);
    state.session = await response.json();
    remember();
    listen(state.session);
  }

  async function addFiles(files) {
    if (!files.length) return;
    await ensureSession();
    state.interrupted = false;
    state.queue.push(...files);
    state.queued += files.length;
    remember();
    render();
    pump();
  }

  function nextBatch() {
    const batch = [];
    let bytes = 0;
    while (state.queue.length && batch.length < BATCH_MAX_FILES) {
      const file = state.queue[0];
      if (batch.length && bytes + file.size > BATCH_MAX_BYTES) break;
      batch.push(state.queue.shift());
      bytes += file.size;
    }
    return batch;
  }

  function pump() {
    while (state.active < PARALLEL_REQUESTS && state.queue.length) {
      const batch = nextBatch();
      state.active += 1;
      upload(batch).finally(() => {
        state.active -= 1;
        pump();
        finishWhenDone();
      });
    }
  }

  async function upload(batch) {
    const form = new FormData();
    for (const file of batch) {
      form.append("file", file, file.name);
      form.append("lastModified", String(file.lastModified));
    }
    let reason;
    try {
      const response = await post(`/api/imports/${state.session.id}/files`, form);
      if (response.ok) {
        const answer = await response.json();
        answer.results.forEach((result, index) =>
          applyOutcome({ ...result, path: shownPath(batch[index]), counts: answer.counts }));
        return;
      }
      reason = `the server refused the upload (${response.status})`;
    } catch (error) {
      reason = `the upload failed (${error.message})`;
    }
    state.localFailed += batch.length;
    batch.forEach((file) => addFailure(shownPath(file), reason));
    render();
  }

  async function finishWhenDone() {
    if (state.queue.length || state.active || state.scans || state.finishing || state.complete) return;
    if (!state.session || state.interrupted) return;
    state.finishing = true;
    render();
    const response = await post(`/api/imports/${state.session.id}/finish`);
    // The `complete` event shows the summary; the answer does too, in case the stream is slow.
    if (response.ok) showSummary(await response.json());
  }

  async function reattach() {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    if (!saved) return;
    const response = await fetch(`/api/imports/${saved.id}`, { credentials: "same-origin" });
    if (!response.ok) {
      sessionStorage.removeItem(STORAGE_KEY);
      return;
    }
    const session = await response.json();
    state.session = session;
    state.queued = saved.queued;
    state.interrupted = !session.finished;
    applyCounts(session.counts);
    listen(session);
  }

  // ---- picking and dropping -------------------------------------------------------------------
  async function walk(entry, found) {
    if (entry.isFile) {
      if (entry.name.startsWith(".")) return;  // .DS_Store, ._IMG_0001.JPG: system files, not photos
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      file.droppedPath = entry.fullPath.replace(/^\//, "");  // a dropped folder's File has no webkitRelativePath
      found.push(file);
      if (found.length >= SCAN_CHUNK) await addFiles(found.splice(0));
      return;
    }
    const reader = entry.createReader();
    for (;;) {
      const children = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!children.length) return;
      for (const child of children) await walk(child, found);
    }
  }

  async function addDropped(dataTransfer) {
    const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry())
      .filter(Boolean);
    if (!entries.length) return addFiles([...dataTransfer.files]);
    state.scans += 1;
    const found = [];
    try {
      for (const entry of entries) await walk(entry, found);
      await addFiles(found);
    } finally {
      state.scans -= 1;
      finishWhenDone();
    }
  }

  function reportError(error) {
    state.message = `Import failed: ${error.message}`;
    render();
  }

  dropZone.addEventListener("dragover", (event) => {
    event.preventDefault();
    dropZone.classList.add("dragging");
  });
  dropZone.addEventListener("dragleave", () => dropZone.classList.remove("dragging"));
  dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropZone.classList.remove("dragging");
    addDropped(event.dataTransfer).catch(reportError);
  });
  for (const picker of [document.getElementById("file-picker"), document.getElementById("folder-picker")]) {
    picker.addEventListener("change", () => {
      const files = [...picker.files].filter((file) => !file.name.startsWith("."));
      picker.value = "";
      addFiles(files).catch(reportError);
    });
  }
  document.getElementById("finish-button").addEventListener("click", () => {
    state.interrupted = false;
    finishWhenDone().catch(reportError);
  });
  window.addEventListener("beforeunload", (event) => {
    if (state.queue.length || state.active) event.preventDefault();  // files not yet sent would be lost
  });

  reattach().catch(reportError);
})();
