// The import page: queues dropped or picked files, asks the server which of them the library holds
// already (by a hash remembered from before: hash_memory.js; else by size, then by the hash of the
// file's first and last 64 KB, then by the whole file's hash, each made in Web Workers: hash_pool.js)
// and sends only the others, a few requests at a time, big files resumably (tus);
// shows progress from the session's Server-Sent-Event stream (so a reloaded page re-attaches to it).
// Only counters and capped lists touch the DOM: a row per file would freeze the tab at 20,000 files.
// Files that are not photos or videos (sidecars, Thumbs.db, text) are "skipped": counted and listed
// apart from failures, in no alarming colour — a Lightroom export has one sidecar per photo.
(() => {
  "use strict";

  // A browser opens at most 6 connections to a site, and the event stream holds one.
  const PARALLEL_REQUESTS = 5;
  const BATCH_MAX_FILES = 8;
  // Request bodies stream to the server as they are sent, so size is no memory concern there;
  // a few files per request spread Django's fixed cost per request over several files.
  const BATCH_MAX_BYTES = 32 * 1024 * 1024;
  // A file this big goes alone, resumably (tus, in pieces of the server's chunk size): after a cut,
  // a reload or a server restart it goes on from the bytes the server holds. Smaller files are cheap
  // to send again, and one request for several of them costs the server less.
  const RESUMABLE_MIN_BYTES = BATCH_MAX_BYTES;
  // Reading a file is partly waiting on the browser's file reads: one worker more than the cores
  // keeps them busy (the 1.2 GB bench corpus on 2 cores: 6.7 s with two workers, 5.6 s with three).
  const HASH_WORKERS = Math.min(4, (navigator.hardwareConcurrency || 2) + 1);
  const KNOWN_QUERY_MAX = 500;
  const SIZES_QUERY_MAX = 1000;
  const EDGES_QUERY_MAX = 1000;
  // A file of at most twice the edges (64 KB each) is read whole for its edge hash, which is then
  // its SHA-256 (hash_worker.js): it is hashed whole at once, and asked about by that.
  const EDGES_WHOLE_MAX_BYTES = 2 * 64 * 1024;
  const RETRY_DELAYS_MS = [0, 1000, 2000, 3000, 5000, 5000, 10000, 10000, 20000, 30000];
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
      session: null, queue: [], queued: 0, active: 0, scans: 0, localFailed: 0, requests: 0,
      sizing: [], askingSizes: false, edging: 0, edged: [], askingEdges: false, hashing: 0, hashed: [], checking: 0,
      resumable: new Map(),
      counts: { imported: 0, duplicate: 0, failed: 0, skipped: 0 }, seen: new Set(), labels: new Map(), events: null,
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
  let skipped = outcomeList("skipped");
  let duplicates = outcomeList("duplicates");
  const OUTCOME_KEYS = ["imported", "duplicate", "failed", "skipped"];

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

  // A failed or skipped file is named by its path in what was dropped or picked ("trip/docs/LICENSE"):
  // the server knows base names only, so one first heard from the event stream is renamed when its
  // upload's answer arrives. A sidecar's reason changes once its photo arrives ("…: rating applied").
  function addNamed(list, name, reason, outcomeId) {
    addToList(list, () => {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.className = "file-name";
      label.textContent = name;
      const why = document.createElement("span");
      why.textContent = ` — ${reason}`;
      if (outcomeId != null) state.labels.set(outcomeId, { label, why });
      item.append(label, why);
      return item;
    });
  }

  function addFailure(name, reason, outcomeId) {
    addNamed(failures, name, reason, outcomeId);
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
    for (const list of [failures, skipped, duplicates]) {
      list.items.replaceChildren();
      list.element.hidden = true;
      list.more.hidden = true;
    }
    failures = outcomeList("failures");
    skipped = outcomeList("skipped");
    duplicates = outcomeList("duplicates");
  }

  // ---- rendering (at most once per frame) -----------------------------------------------------
  let renderPending = false;
  function render() {
    if (renderPending) return;
    renderPending = true;
    requestAnimationFrame(() => {
      renderPending = false;
      const { imported, duplicate, failed, skipped: passedBy } = state.counts;
      const done = imported + duplicate + failed + passedBy + state.localFailed;
      const remaining = Math.max(0, state.queued - done);
      const shown = { imported, duplicate, skipped: passedBy, failed: failed + state.localFailed, remaining };
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
        "imported are not sent again; big files go on from where they were cut off), or finish this import.";
    }
    if (!state.session) return "Nothing imported yet.";
    return `Importing… ${done.toLocaleString()} of ${state.queued.toLocaleString()} files done.${sendingText()}`;
  }

  // Big files take a while each: say how far along they are.
  function sendingText() {
    const parts = [...state.resumable.entries()].map(([name, { sent, total }]) =>
      `${name} ${Math.floor((100 * sent) / Math.max(1, total))} %`);
    return parts.length ? ` Sending ${parts.join(", ")}.` : "";
  }

  // ---- outcomes, from the event stream and from the upload responses --------------------------
  function applyCounts(counts) {
    if (!counts) return;
    // Events of parallel uploads may arrive out of order: a count never goes down.
    for (const key of OUTCOME_KEYS) {
      state.counts[key] = Math.max(state.counts[key], counts[key] || 0);
    }
    render();
  }

  function applyOutcome(outcome) {
    if (outcome.outcome_id != null) {
      if (state.seen.has(outcome.outcome_id)) {
        const shownAs = state.labels.get(outcome.outcome_id);
        if (shownAs && outcome.path) shownAs.label.textContent = outcome.path;
        if (shownAs && outcome.error) shownAs.why.textContent = ` — ${outcome.error}`;
        applyCounts(outcome.counts);
        return;
      }
      state.seen.add(outcome.outcome_id);
    }
    if (outcome.status === "failed") addFailure(outcome.path || outcome.name, outcome.error, outcome.outcome_id);
    if (outcome.status === "skipped") addNamed(skipped, outcome.path || outcome.name, outcome.error, outcome.outcome_id);
    if (outcome.status === "duplicate") addDuplicate(outcome.name, outcome.photo_id, outcome.error);
    applyCounts(outcome.counts);
  }

  function showSummary(data) {
    state.complete = true;
    state.finishing = false;
    state.counts = { ...data.counts };
    const { imported, duplicate, failed, skipped: passedBy } = data.counts;
    const seconds = data.duration == null ? "" : ` in ${data.duration.toFixed(1)} s`;
    const passedByText = passedBy ? `, ${passedBy.toLocaleString()} skipped (not photos or videos)` : "";
    document.getElementById("summary-text").textContent =
      `${imported.toLocaleString()} imported, ${duplicate.toLocaleString()} already in the library, ` +
      `${(failed + state.localFailed).toLocaleString()} failed${passedByText}${seconds}.`;
    summary.hidden = false;
    sessionStorage.removeItem(STORAGE_KEY);
    if (state.events) state.events.close();
    render();
  }

  function listen(session) {
    const events = new EventSource(session.events_url);
    events.addEventListener("file", (event) => applyOutcome(JSON.parse(event.data)));
    events.addEventListener("files", (event) => {
      const { files, counts } = JSON.parse(event.data);
      files.forEach((outcome) => applyOutcome({ ...outcome, counts }));
    });
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
    if (state.interrupted) {  // the files a reload cut off are not queued any more: these replace them
      state.queued = OUTCOME_KEYS.reduce((sum, key) => sum + state.counts[key], state.localFailed);
    }
    state.interrupted = false;
    state.queued += files.length;
    remember();
    render();
    state.scans += 1;  // the session is not finished while the memory is asked
    try {
      await sortFiles(files);
    } finally {
      state.scans -= 1;
      finishWhenDone();
    }
  }

  // ---- asking which files the library holds already: by a remembered hash, by size, by edges, by hash
  // A file whose hash the page remembers (imported or hashed here before) is asked about by it at once.
  async function sortFiles(files) {
    const remembered = await window.PhotositeHashMemory.recall(files, shownPath);
    for (const file of files) {
      const sha256 = remembered.get(file);
      if (sha256) {
        state.hashing += 1;
        hashed({ file, sha256 });
      } else {
        sortFile(file);
      }
    }
  }

  // Only a file the size of a photo in the library can be one: the others (most files of a first
  // import) are sent without being read here. Of a file whose size is held, only the first and last
  // 64 KB are read at first: the whole file is hashed only when a photo of its size has the same
  // edges, so a new import into a big library reads little of its files. A big file is always hashed:
  // its resumable upload is found again, and checked at the end, by its hash.
  function sortFile(file) {
    if (file.size >= RESUMABLE_MIN_BYTES) {
      hashFile(file);
      return;
    }
    state.sizing.push(file);
    askSizes();
  }

  async function askSizes() {
    if (state.askingSizes || !state.sizing.length) return;
    const files = state.sizing.splice(0, SIZES_QUERY_MAX);
    state.askingSizes = true;
    let held = null;  // not answered: hash them all, to be safe
    try {
      const response = await post(`/api/imports/${state.session.id}/sizes`,
                                  JSON.stringify({ sizes: [...new Set(files.map((file) => file.size))] }));
      if (response.ok) held = new Set((await response.json()).held);
    } catch (error) {
      held = null;
    }
    state.askingSizes = false;
    for (const file of files) {
      if (!held) hashFile(file);
      else if (held.has(file.size)) hashEdges(file);
      else state.queue.push({ file, sha256: "" });
    }
    pump();
    askSizes();
    finishWhenDone();
  }

  let hashPool = null;
  function pool() {
    hashPool = hashPool || new window.PhotositeHashPool(root.dataset.hashWorkerUrl, HASH_WORKERS);
    return hashPool;
  }

  function hashEdges(file) {
    if (file.size <= EDGES_WHOLE_MAX_BYTES) {
      hashFile(file);
      return;
    }
    state.edging += 1;
    let edges;
    try {
      edges = pool().hashEdges(file);
    } catch (error) {  // no Web Workers: send without asking (the server hashes what it gets anyway)
      edges = Promise.resolve("");
    }
    edges.then((edge) => {
      state.edging -= 1;
      if (edge) {
        state.edged.push({ file, edge });
        askEdges();
      } else {
        state.queue.push({ file, sha256: "" });
        pump();
      }
    }, (error) => {
      state.edging -= 1;
      localFailure(file, `could not read the file (${error.message})`);
      finishWhenDone();
    });
  }

  // Which of these files a photo in the library may be (same size and edges): only those are hashed
  // whole. Unanswered (refused, too many questions), all of them are, to be safe.
  async function askEdges() {
    if (state.askingEdges || !state.edged.length) return;
    const items = state.edged.splice(0, EDGES_QUERY_MAX);
    state.askingEdges = true;
    let held = null;
    try {
      const response = await post(`/api/imports/${state.session.id}/edges`, JSON.stringify({
        files: items.map(({ file, edge }) => ({ size: file.size, edge })) }));
      if (response.ok) held = (await response.json()).held;
    } catch (error) {
      held = null;
    }
    state.askingEdges = false;
    items.forEach(({ file }, index) => {
      if (!held || held[index]) hashFile(file);
      else state.queue.push({ file, sha256: "" });
    });
    pump();
    askEdges();
    finishWhenDone();
  }

  function hashFile(file) {
    state.hashing += 1;
    let hashing;
    try {
      hashing = pool().hash(file);
    } catch (error) {  // no Web Workers: send without asking (the server hashes what it gets anyway)
      hashed({ file, sha256: "" });
      return;
    }
    hashing.then((sha256) => {
      if (sha256) window.PhotositeHashMemory.remember([[file, shownPath(file), sha256]]);
      hashed({ file, sha256 });
    }, (error) => {
      state.hashing -= 1;
      localFailure(file, `could not read the file (${error.message})`);
      finishWhenDone();
    });
  }

  function hashed(item) {
    state.hashing -= 1;
    if (!item.sha256) {
      state.queue.push(item);
      pump();
      return;
    }
    state.hashed.push(item);
    askKnown();
  }

  // One question at a time: while it is out, the next hashes gather for the following one.
  async function askKnown() {
    if (state.checking || !state.hashed.length) return;
    const items = state.hashed.splice(0, KNOWN_QUERY_MAX);
    state.checking += 1;
    let results = null;
    try {
      const response = await post(`/api/imports/${state.session.id}/known`, JSON.stringify({
        files: items.map(({ file, sha256 }) => ({ name: file.name, sha256 })) }));
      if (response.ok) {
        const answer = await response.json();
        results = answer.results;
        results.forEach((result) => result && applyOutcome({ ...result, counts: answer.counts }));
      }
    } catch (error) {
      results = null;  // the files are sent: the server's own hash decides in the end
    }
    items.forEach((item, index) => { if (!results || !results[index]) state.queue.push(item); });
    state.checking -= 1;
    pump();
    askKnown();
    finishWhenDone();
  }

  // ---- sending ----------------------------------------------------------------------------------
  // The session's first request carries one file, so that its outcome shows at once.
  function nextBatch() {
    const batch = [];
    let bytes = 0;
    const most = state.requests++ ? BATCH_MAX_FILES : 1;
    while (state.queue.length && batch.length < most) {
      const { file } = state.queue[0];
      if (batch.length && (bytes + file.size > BATCH_MAX_BYTES || file.size >= RESUMABLE_MIN_BYTES)) break;
      batch.push(state.queue.shift());
      bytes += file.size;
      if (file.size >= RESUMABLE_MIN_BYTES) break;
    }
    return batch;
  }

  function pump() {
    while (state.active < PARALLEL_REQUESTS && state.queue.length) {
      const batch = nextBatch();
      const big = batch.length === 1 && batch[0].file.size >= RESUMABLE_MIN_BYTES;
      state.active += 1;
      (big ? sendResumably(batch[0]) : upload(batch)).finally(() => {
        state.active -= 1;
        pump();
        finishWhenDone();
      });
    }
  }

  async function upload(batch) {
    const form = new FormData();
    for (const { file, sha256 } of batch) {
      form.append("file", file, file.name);
      form.append("lastModified", String(file.lastModified));
      form.append("sha256", sha256);
    }
    let reason;
    try {
      const response = await postWhenTaken(`/api/imports/${state.session.id}/files`, form);
      if (response.ok) {
        const answer = await response.json();
        answer.results.forEach((result, index) =>
          applyOutcome({ ...result, path: shownPath(batch[index].file), counts: answer.counts }));
        window.PhotositeHashMemory.remember(answer.results.flatMap((result, index) =>
          (result.sha256 ? [[batch[index].file, shownPath(batch[index].file), result.sha256]] : [])));
        return;
      }
      reason = `the server refused the upload (${response.status})`;
    } catch (error) {
      reason = `the upload failed (${error.message})`;
    }
    batch.forEach(({ file }) => localFailure(file, reason));
  }

  // The server receives a few uploads at once (PHOTOSITE_UPLOADS_IN_FLIGHT, for every page and
  // user together); past them it answers 429 with when to come back, and the batch goes again then.
  async function postWhenTaken(url, form) {
    for (;;) {
      const response = await post(url, form);
      if (response.status !== 429) return response;
      const seconds = Number(response.headers.get("Retry-After")) || 1;
      await new Promise((resolve) => { setTimeout(resolve, seconds * 1000); });
    }
  }

  // tus-js-client finds an upload of the same bytes begun earlier (this page or a reloaded one: the
  // fingerprint is the file's hash) and asks the server how much of it arrived before going on.
  // Its outcome comes by the event stream, like every file's.
  function sendResumably({ file, sha256 }) {
    return new Promise((resolve) => {
      const upload = new window.tus.Upload(file, {
        endpoint: `/api/imports/${state.session.id}/uploads`,
        chunkSize: Number(root.dataset.uploadChunkBytes),
        retryDelays: RETRY_DELAYS_MS,
        // A piece refused for too many uploads at once (429) is sent again, like one cut off.
        onShouldRetry: (error, attempt, options) =>
          (error.originalResponse && error.originalResponse.getStatus() === 429) ||
          window.tus.defaultOptions.onShouldRetry(error, attempt, options),
        metadata: { filename: file.name, sha256, lastModified: String(file.lastModified) },
        headers: { "X-CSRFToken": root.dataset.csrfToken, "Photosite-Import-Session": String(state.session.id) },
        fingerprint: () => Promise.resolve(`photosite-upload-${sha256}-${file.size}`),
        removeFingerprintOnSuccess: true,
        onProgress: (sent, total) => {
          state.resumable.set(file.name, { sent, total });
          render();
        },
        onSuccess: () => {
          state.resumable.delete(file.name);
          resolve();
        },
        onError: (error) => {
          state.resumable.delete(file.name);
          const response = error.originalResponse;
          if (!response || response.getHeader("Photosite-Failure-Recorded") !== "1") {
            localFailure(file, `the upload failed (${refusalReason(response) || error.message})`);
          }
          resolve();
        },
      });
      upload.findPreviousUploads().then((previous) => {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      });
    });
  }

  function refusalReason(response) {
    try {
      return response && JSON.parse(response.getBody()).error;
    } catch (error) {
      return "";
    }
  }

  function localFailure(file, reason) {
    state.localFailed += 1;
    addFailure(shownPath(file), reason);
    render();
  }

  function busy() {
    return state.queue.length || state.active || state.sizing.length || state.askingSizes || state.edging ||
      state.edged.length || state.askingEdges || state.hashing || state.hashed.length || state.checking;
  }

  async function finishWhenDone() {
    if (busy() || state.scans || state.finishing || state.complete) return;
    if (!state.session || state.interrupted) return;
    state.finishing = true;
    render();
    const finishing = state;
    const response = await post(`/api/imports/${state.session.id}/finish`);
    // The `complete` event shows the summary; the answer does too, in case the stream is slow, unless
    // the event came first and another import has begun since (its summary is not this one).
    if (response.ok && state === finishing && !state.complete) showSummary(await response.json());
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
    if (busy()) event.preventDefault();  // files not yet sent would be lost
  });

  reattach().catch(reportError);
})();
