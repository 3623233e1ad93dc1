// Share links: an album page's "Link" panel makes one (its URL shown once, to copy), and the
// /shares/ page revokes them.
"use strict";

(() => {
  const form = document.querySelector(".share-link-form");
  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = form.elements;
    const note = form.querySelector(".share-link-note");
    const made = form.querySelector(".share-link-made");
    try {
      const link = await window.photositeApi(form.dataset.csrfToken)("/api/shares/", "POST", {
        album: Number(form.dataset.albumId), expires_on: fields.expires_on.value || null,
        password: fields.password.value, allow_download: fields.allow_download.checked,
        keep_location: fields.keep_location.checked,
      });
      made.querySelector("input").value = link.url;
      made.hidden = false;
      made.querySelector("input").select();
      note.hidden = true;
    } catch (error) {
      note.textContent = `That did not work: ${error.message}`;
      note.hidden = false;
    }
  });

  const list = document.querySelector(".share-links");
  list?.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-revoke]");
    if (!button || !window.confirm("Revoke this link? Whoever has it can no longer open it.")) return;
    window.photositeApi(list.dataset.csrfToken)(`/api/shares/${button.dataset.revoke}`, "DELETE")
      .then(() => window.location.reload(), (error) => window.alert(`That did not work: ${error.message}`));
  });
})();
