// Downloading chosen photos as one ZIP of their originals. Whatever lets a person choose photos
// (the gallery's selection, an album page) asks for it with
//   document.dispatchEvent(new CustomEvent("photosite:download", {detail: {ids: [1, 2, 3]}}))
// This script then asks the archive's size, shows it, and posts the ids with the page's form, so
// that the browser's own download manager receives the file with its size and progress.
"use strict";

(function () {
  const form = document.getElementById("zip-download");
  const status = document.getElementById("zip-download-status");
  if (!form || !status) return;
  const idsField = form.elements.namedItem("ids");
  const token = form.elements.namedItem("csrfmiddlewaretoken").value;

  function readable(bytes) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let unit = 0;
    while (bytes >= 1000 && unit < units.length - 1) {
      bytes /= 1000;
      unit += 1;
    }
    return `${unit ? bytes.toFixed(1) : bytes} ${units[unit]}`;
  }

  function say(text) {
    status.textContent = text;
    status.hidden = false;
  }

  document.addEventListener("photosite:download", async (event) => {
    const ids = ((event.detail && event.detail.ids) || []).map(String);
    if (!ids.length) return;
    idsField.value = ids.join(",");
    say(`Preparing the download of ${ids.length} photo${ids.length === 1 ? "" : "s"}…`);
    // The size is asked with a POST: thousands of ids would not fit in a URL.
    const response = await fetch(form.dataset.sizeUrl, {
      method: "POST", body: new FormData(form), headers: { "X-CSRFToken": token, Accept: "application/json" },
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(answer.error || "The download could not start.");
      return;
    }
    say(`Downloading ${answer.files} file${answer.files === 1 ? "" : "s"} (${readable(answer.bytes)}) as a ZIP`);
    status.dataset.bytes = String(answer.bytes);
    form.submit();
  });
})();
