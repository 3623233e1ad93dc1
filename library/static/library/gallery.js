// The gallery's behaviour: load the next page as the end comes into view, and the in-page viewer
// (click a tile; ←/→ step, Esc closes; videos play their playable source — the original, or a web
// rendition that may still be streaming while it is made — and say so when the browser cannot; a
// Live Photo or motion photo shows its still and plays its motion once, muted, and again on hover or press).
"use strict";

const gallery = document.getElementById("gallery");
const viewer = document.getElementById("viewer");
const stage = viewer.querySelector(".viewer-stage");
const caption = viewer.querySelector(".viewer-caption");
const download = viewer.querySelector(".viewer-download");
const downloadRaw = viewer.querySelector(".viewer-download-raw");
let current = -1;
let loading = null;

function tiles() {
  return gallery.querySelectorAll(".tile");
}

// Gives each tile its photo's aspect ratio, which gallery.css sizes it by. Set through the
// CSSOM: the Content-Security-Policy refuses style attributes in the markup.
function shapeTiles(root) {
  for (const image of root.querySelectorAll(".tile > img")) {
    image.parentElement.style.setProperty("--w", image.getAttribute("width"));
    image.parentElement.style.setProperty("--h", image.getAttribute("height"));
  }
}
shapeTiles(gallery);

// Appends a fragment page. A day cut by the page boundary continues in the section already shown.
function appendPage(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  shapeTiles(template.content);
  for (const section of template.content.querySelectorAll("section.day")) {
    const sections = gallery.querySelectorAll("section.day");
    const last = sections[sections.length - 1];
    if (last && last.dataset.day === section.dataset.day) {
      last.querySelector(".tiles").append(...section.querySelector(".tiles").children);
    } else {
      gallery.querySelector(".more")?.before(section);
      if (!section.isConnected) gallery.append(section);
    }
  }
  gallery.querySelector(".more")?.remove();
  const more = template.content.querySelector(".more");
  if (more) {
    gallery.append(more);
    observer.observe(more);
  }
}

function loadMore() {
  const more = gallery.querySelector(".more");
  if (!more) return Promise.resolve(false);
  if (!loading) {
    observer.unobserve(more);
    const url = new URL(more.href);
    url.searchParams.set("fragment", "1");
    loading = fetch(url, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(new Error(response.statusText))))
      .then((html) => { appendPage(html); return true; })
      .catch(() => { observer.observe(more); return false; })
      .finally(() => { loading = null; });
  }
  return loading;
}

const observer = new IntersectionObserver(
  (entries) => { if (entries.some((entry) => entry.isIntersecting)) loadMore(); },
  { rootMargin: "1200px 0px" },
);
const firstMore = gallery.querySelector(".more");
if (firstMore) observer.observe(firstMore);

// Photos show their large preview (browsers cannot show HEIC or raw); videos play `data-play`, a
// moment's motion `data-motion` (a Live Photo's is its video's playable source too).
function mediaFor(tile) {
  if (tile.motion) return liveMedia(tile);
  if (tile.kind !== "video") {
    const image = document.createElement("img");
    image.alt = tile.name;
    image.src = tile.preview;
    return image;
  }
  return videoPlayer(tile);
}

// A video with a note over it while it has no picture yet: a first play of a video that needs a
// web rendition waits while the server makes it, or while other videos are made first. The
// server holds such a request a while, then answers 503 with Retry-After: the player then says
// it is waiting and asks again after that long.
const MAX_PLAYER_RETRIES = 2;  // of a URL that answers but whose video fails: then it is unplayable
function videoPlayer(tile) {
  const player = document.createElement("div");
  player.className = "player";
  const video = document.createElement("video");
  video.controls = true;
  video.autoplay = true;
  video.preload = "metadata";
  video.poster = tile.preview;
  const note = document.createElement("p");
  note.className = "player-note";
  note.setAttribute("role", "status");
  note.hidden = true;
  const say = (text) => { note.textContent = text; note.hidden = false; };
  let retries = 0;
  video.addEventListener("loadstart", () => {
    setTimeout(() => { if (video.readyState < 2 && note.hidden) say("Waiting for the video to be prepared for the browser…"); }, 500);
  });
  video.addEventListener("loadeddata", () => { note.hidden = true; });
  video.addEventListener("error", async () => {
    const answer = await statusOf(tile.play);
    if (!player.isConnected) return;
    if (answer.status === 503 || (answer.ok && retries++ < MAX_PLAYER_RETRIES)) {
      if (answer.status === 503) say("Waiting: other videos are being prepared first…");
      setTimeout(() => { if (player.isConnected) video.src = tile.play; }, answer.retryAfter * 1000);
    } else {
      player.replaceWith(unplayable(tile));
    }
  });
  // Sound over no picture (a codec the browser lacks, served as it is): never a blank player.
  video.addEventListener("loadedmetadata", () => {
    if (video.videoWidth === 0) player.replaceWith(unplayable(tile));
  });
  video.src = tile.play;
  player.append(video, note);
  return player;
}

// Why a video would not load: its URL's status (the player's own request does not tell), and how
// long the server asks to wait. Only the headers are read.
async function statusOf(url) {
  const controller = new AbortController();
  try {
    const response = await fetch(url, { credentials: "same-origin", signal: controller.signal });
    const retryAfter = response.status === 503 ? Number(response.headers.get("Retry-After")) || 5 : 0;
    return { status: response.status, ok: response.ok && !response.redirected, retryAfter };
  } catch {
    return { status: 0, ok: false, retryAfter: 0 };
  } finally {
    controller.abort();
  }
}

// What a video the browser cannot play shows instead: its poster, why, and the download.
function unplayable(tile) {
  const box = document.createElement("figure");
  box.className = "unplayable";
  const poster = document.createElement("img");
  poster.alt = tile.name;
  poster.src = tile.preview;
  const note = document.createElement("figcaption");
  note.textContent = "This video can't be played in the browser. ";
  const link = document.createElement("a");
  link.href = `${tile.original}?download=1`;
  link.textContent = "Download original";
  if (tile.original) note.append(link);
  box.append(poster, note);
  return box;
}

// A moment with motion: the still, and over it its video, shown only while it plays. It plays
// once (muted) when opened, again on hover or press; the sound button turns the sound on.
function liveMedia(tile) {
  const box = document.createElement("div");
  box.className = "live";
  const still = document.createElement("img");
  still.alt = tile.name;
  still.src = tile.preview;
  const motion = document.createElement("video");
  motion.className = "live-motion";
  motion.muted = true;
  motion.playsInline = true;
  motion.preload = "auto";
  motion.src = tile.motion;
  const sound = document.createElement("button");
  sound.type = "button";
  sound.className = "live-sound";
  sound.textContent = "Sound off";
  sound.setAttribute("aria-pressed", "false");
  const play = () => {
    motion.currentTime = 0;
    motion.play().catch(() => box.classList.remove("playing"));
  };
  motion.addEventListener("playing", () => box.classList.add("playing"));
  motion.addEventListener("ended", () => box.classList.remove("playing"));
  box.addEventListener("pointerenter", play);
  box.addEventListener("pointerdown", play);
  sound.addEventListener("pointerdown", (event) => event.stopPropagation());
  sound.addEventListener("click", () => {
    motion.muted = !motion.muted;
    sound.textContent = motion.muted ? "Sound off" : "Sound on";
    sound.setAttribute("aria-pressed", String(!motion.muted));
    if (!motion.muted) play();
  });
  box.append(still, motion, sound);
  play();
  return box;
}

function show(index) {
  const all = tiles();
  if (index < 0 || index >= all.length) return;
  current = index;
  const tile = all[index].dataset;
  stage.querySelector("video")?.pause();
  const media = mediaFor(tile);
  stage.replaceChildren(media);
  const day = all[index].closest("section.day").querySelector("h2").textContent;
  caption.textContent = `${tile.name} · ${day}, ${tile.time}`;
  download.href = `${tile.original}?download=1`;
  download.textContent = tile.raw ? "Download JPEG" : "Download original";
  download.hidden = !tile.original; // a share link that allows no downloads
  downloadRaw.hidden = !tile.raw;
  downloadRaw.href = tile.raw || "";
  viewer.dataset.photoId = tile.id;
  if (!viewer.open) viewer.showModal();
  // Warm the browser's cache with the next photo, so stepping forward shows it at once.
  const next = all[index + 1]?.dataset;
  if (next && next.kind !== "video") new Image().src = next.preview;
}

async function step(delta) {
  if (current + delta >= tiles().length && (await loadMore()) === false) return;
  show(current + delta);
}

gallery.addEventListener("click", (event) => {
  const tile = event.target.closest(".tile");
  if (!tile || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  show([...tiles()].indexOf(tile));
});
viewer.addEventListener("keydown", (event) => {
  if (event.key === "ArrowRight") step(1);
  else if (event.key === "ArrowLeft") step(-1);
  else return;
  event.preventDefault();
});
viewer.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (button?.dataset.step) step(Number(button.dataset.step));
  else if (button?.classList.contains("viewer-close")) viewer.close();
});
viewer.addEventListener("close", () => {
  stage.querySelector("video")?.pause();
  stage.replaceChildren();
  tiles()[current]?.focus();
});
