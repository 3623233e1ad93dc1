// The in-page viewer over the gallery. It opens on `photosite:open` (a tile clicked) or at once on
// a photo's own page (`#gallery[data-open-photo]`); each photo shown has its own address,
// /photo/<id>/, so Back closes the viewer and a copied address opens the same photo. It steps
// through the grid's order with `photositeGrid.neighbour` (the gallery client contract), by key,
// button or swipe; keys: ←/→, Esc, i (info), f (favourite), Space (play/pause), x (zoom), ? (keys).
import { attachGestures, toggleZoom } from "./viewer_gestures.js";
import { dayLabel, renderInfo, renderInfoFailure } from "./viewer_info.js";
import { mediaFor, togglePlayback } from "./viewer_media.js";

const gallery = document.getElementById("gallery");
const viewer = document.getElementById("viewer");
const stage = viewer.querySelector(".viewer-stage");
const caption = viewer.querySelector(".viewer-caption");
const download = viewer.querySelector(".viewer-download");
const downloadRaw = viewer.querySelector(".viewer-download-raw");
const infoPanel = viewer.querySelector(".viewer-info");
const infoButton = viewer.querySelector(".viewer-info-button");
const favouriteButton = viewer.querySelector(".viewer-favourite");
const keysOverlay = viewer.querySelector(".viewer-keys");
const galleryUrl = viewer.dataset.galleryUrl || "/";
// A person signed in (not a share link's visitor): only they have the info and favourites routes.
const account = "account" in viewer.dataset;
const infos = new Map();  // photo id → Promise of its info (null when it could not be had)
let current = null;  // the data object of the photo shown
let pushedEntry = false;  // whether opening added a history entry (then closing goes back over it)
let closingFromHistory = false;

const grid = () => window.photositeGrid;
const photoUrl = (id) => `${galleryUrl}photo/${id}/`;

function infoOf(id) {
  if (!infos.has(id)) {
    infos.set(id, fetch(`/api/photos/${id}/info`, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null));
  }
  return infos.get(id);
}

// The tile a photo's page under a share link carries (a visitor has no info route to ask).
const openTile = JSON.parse(document.getElementById("open-photo-tile")?.textContent || "null");

// The grid's data object of a photo; the server's when the grid has not loaded its tile (a
// photo's own page, a moment's other file).
async function dataFor(id) {
  return grid()?.tile(id) ?? (openTile?.id === id ? openTile : null)
    ?? (account ? (await infoOf(id))?.tile : null) ?? null;
}

function show(data) {
  current = data;
  stage.querySelector("video")?.pause();
  stage.replaceChildren(mediaFor(data));
  caption.textContent = `${data.name} · ${dayLabel(data.day)}, ${data.time}`;
  download.hidden = !data.original;  // a share link that offers no download
  download.href = data.original ? `${data.original}?download=1` : "";
  download.textContent = data.raw ? "Download JPEG" : "Download original";
  downloadRaw.hidden = !data.raw;
  downloadRaw.href = data.raw || "";
  favouriteButton.hidden = infoButton.hidden = !account;
  if (account) {
    showFavourite(Boolean(data.favourite));
    loadFavourite(data);
  }
  viewer.dataset.photoId = String(data.id);
  if (!viewer.open) {
    viewer.showModal();
    stage.focus({ preventScroll: true });  // keys go to the viewer, not to the first button (Space would press it)
  }
  if (!infoPanel.hidden) loadInfo(data.id);
  // Warm the browser's cache with the next photo, so stepping forward shows it at once.
  grid()?.neighbour(data.id, 1).then((next) => { if (next && next.kind !== "video") new Image().src = next.preview; });
}

async function open(id, { push }) {
  const data = await dataFor(id);
  if (!data) return;
  if (push) {
    history.pushState({ viewer: data.id }, "", photoUrl(data.id));
    pushedEntry = true;
  }
  show(data);
}

async function step(delta) {
  if (!current) return;
  const next = await grid()?.neighbour(current.id, delta);
  if (!next) return;
  history.replaceState({ viewer: next.id }, "", photoUrl(next.id));
  show(next);
}

// Closing by key or button goes back over the entry opening added, or, on a photo's own page,
// turns its address into the gallery's; closing by Back has already moved the history.
viewer.addEventListener("close", () => {
  const id = current?.id;
  if (id === undefined) return;
  stage.querySelector("video")?.pause();
  stage.replaceChildren();
  keysOverlay.hidden = true;
  current = null;
  if (!closingFromHistory) {
    if (pushedEntry) history.back();
    else history.replaceState(null, "", galleryUrl);
  }
  pushedEntry = closingFromHistory = false;
  grid()?.reveal(id);
});

window.addEventListener("popstate", (event) => {
  const id = event.state?.viewer;
  if (id) {
    pushedEntry = true;  // Forward back onto a photo: its entry is there to go back over
    open(id, { push: false });
  } else if (viewer.open) {
    closingFromHistory = true;
    viewer.close();
  }
});

document.addEventListener("photosite:open", (event) => open(Number(event.detail.id), { push: true }));

// -- the info panel ---------------------------------------------------------------------------
async function loadInfo(id) {
  const info = await infoOf(id);
  if (current?.id !== id) return;  // stepped on meanwhile
  if (info) renderInfo(infoPanel, info);
  else renderInfoFailure(infoPanel, id);
}

function toggleInfo() {
  if (!account) return;
  infoPanel.hidden = !infoPanel.hidden;
  infoButton.setAttribute("aria-pressed", String(!infoPanel.hidden));
  if (!infoPanel.hidden && current) loadInfo(current.id);
}

// -- favourites -------------------------------------------------------------------------------
function showFavourite(favourite) {
  favouriteButton.setAttribute("aria-pressed", String(favourite));
  favouriteButton.textContent = favourite ? "★" : "☆";
}

const FAVOURITES_API = "/api/favourites/";
// The pages' one JSON caller (site_api.js): same origin, the CSRF header, a refusal thrown.
const favouritesApi = (...call) => window.photositeApi(viewer.dataset.csrfToken)(...call);

let favouriteChanges = 0;  // favourites changed on this page so far (an answer asked before one is stale)

// Whether the user has it among their favourites (the grid's data may not say).
async function loadFavourite(photo) {
  const changesBefore = favouriteChanges;
  const answer = await favouritesApi(`${FAVOURITES_API}?ids=${photo.id}`).catch(() => null);
  if (!answer || favouriteChanges !== changesBefore) return;
  photo.favourite = (answer.favourites || []).includes(photo.id);
  if (current === photo) showFavourite(photo.favourite);
}

// Where the site answers no favourites (404, or any failure), nothing is said and nothing changes.
async function toggleFavourite() {
  if (!current || !account) return;
  const photo = current, favourite = !photo.favourite;
  const answer = await favouritesApi(FAVOURITES_API, "POST", { ids: [photo.id], favourite }).catch(() => null);
  if (!answer) return;
  document.dispatchEvent(new CustomEvent("photosite:favourite", { detail: { id: photo.id, favourite } }));
}

document.addEventListener("photosite:favourite", (event) => {
  favouriteChanges++;
  if (current?.id !== event.detail.id) return;
  current.favourite = event.detail.favourite;
  showFavourite(current.favourite);
});

// -- keys, buttons, gestures ------------------------------------------------------------------
const KEYS = {
  ArrowRight: () => step(1),
  ArrowLeft: () => step(-1),
  i: toggleInfo,
  f: toggleFavourite,
  " ": () => togglePlayback(stage),
  x: () => toggleZoom(stage),
  "?": () => { keysOverlay.hidden = !keysOverlay.hidden; },
};

viewer.addEventListener("keydown", (event) => {
  const action = KEYS[event.key];
  if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
  event.preventDefault();
  action();
});

viewer.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.dataset.step) step(Number(button.dataset.step));
  else if (button.classList.contains("viewer-close")) viewer.close();
  else if (button === infoButton) toggleInfo();
  else if (button === favouriteButton) toggleFavourite();
});

attachGestures(stage, { onSwipe: step });

// A photo's own page: the server showed the photo in a plain open dialog (for a browser without
// JavaScript); the viewer takes it over, modal, with its own controls.
for (const fallback of viewer.querySelectorAll(".viewer-fallback")) fallback.remove();
const openPhoto = Number(gallery?.dataset.openPhoto);
viewer.removeAttribute("open");
stage.tabIndex = -1;
if (openPhoto) {
  history.replaceState({ viewer: openPhoto }, "", location.href);
  open(openPhoto, { push: false });
}
