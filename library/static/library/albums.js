// The album list's "Create album", and an album page's tools for its owner: rename, share with
// another user (to view, or to view and add) or stop, and delete (its photos stay in the library).
"use strict";

(() => {
  const root = document.getElementById("albums") || document.getElementById("album");
  if (!root) return;
  const note = root.querySelector(".album-note");
  const albumUrl = root.dataset.albumId ? `/api/albums/${root.dataset.albumId}` : null;

  const api = window.photositeApi(root.dataset.csrfToken);

  function failed(error) {
    note.textContent = `That did not work: ${error.message}`;
    note.hidden = false;
  }

  function onSubmit(selector, handler) {
    root.querySelector(selector)?.addEventListener("submit", (event) => {
      event.preventDefault();
      handler(event.target.elements).catch(failed);
    });
  }

  onSubmit(".album-new", async (fields) => {
    const album = await api("/api/albums/", "POST", { title: fields.title.value });
    window.location.assign(album.url);
  });

  onSubmit(".album-rename", async (fields) => {
    const album = await api(albumUrl, "POST", { title: fields.title.value });
    root.querySelector(".album-title").textContent = album.title;
    document.title = `${album.title} · Photosite`;
    fields.title.closest("details").open = false;
  });

  // Sharing changes the list of members: the page is drawn again from the server.
  onSubmit(".album-share-form", async (fields) => {
    await api(`${albumUrl}/members`, "POST", { username: fields.username.value, access: fields.access.value });
    window.location.reload();
  });
  root.querySelector(".album-members")?.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-unshare]");
    if (!button) return;
    api(`${albumUrl}/members`, "POST", { username: button.dataset.unshare, access: "none" })
      .then(() => window.location.reload(), failed);
  });

  root.querySelector(".album-delete")?.addEventListener("click", () => {
    if (!window.confirm("Delete this album? Its photos stay in the library.")) return;
    api(albumUrl, "DELETE").then(() => window.location.assign("/albums/"), failed);
  });
})();
