// The gallery's behaviour: load the next page as the end comes into view, and the grid's side of
// the gallery client contract (docs: `window.photositeGrid`, and a plain click on a tile announced
// as `photosite:open`), which the viewer (viewer.js) uses.
"use strict";

const gallery = document.getElementById("gallery");
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

function tileElement(id) {
  return gallery.querySelector(`.tile[data-id="${Number(id)}"]`);
}

// A tile's data object of the contract, from the attributes the server wrote on it.
function tileData(tile) {
  const data = tile.dataset, image = tile.querySelector("img");
  return {
    id: Number(data.id), kind: data.kind, name: data.name, time: data.time,
    day: tile.closest("section.day")?.dataset.day ?? "",
    width: Number(image?.getAttribute("width")), height: Number(image?.getAttribute("height")),
    thumbnail: image?.getAttribute("src") ?? "", preview: data.preview, original: data.original, play: data.play,
    moment: data.moment ?? "", motion: data.motion ?? "", raw: data.raw ?? "", placeholder: data.placeholder ?? "",
    favourite: data.favourite === "true",
  };
}

function indexOf(id) {
  return [...tiles()].indexOf(tileElement(id));
}

window.photositeGrid = {
  tile(id) {
    const tile = tileElement(id);
    return tile ? tileData(tile) : null;
  },
  // Pages are loaded as the step goes past the end of those shown; the newest photo has no newer.
  async neighbour(id, delta) {
    const index = indexOf(id);
    if (index < 0) return null;
    while (index + delta >= tiles().length) {
      if ((await loadMore()) === false) return null;
    }
    const tile = tiles()[index + delta];
    return tile ? tileData(tile) : null;
  },
  reveal(id) {
    const tile = tileElement(id);
    tile?.scrollIntoView({ block: "nearest" });
    tile?.focus({ preventScroll: true });
    return Promise.resolve();
  },
  async idsBetween(idA, idB) {
    const [first, last] = [indexOf(idA), indexOf(idB)].sort((a, b) => a - b);
    if (first < 0) return [];
    return [...tiles()].slice(first, last + 1).map((tile) => Number(tile.dataset.id));
  },
};

gallery.addEventListener("click", (event) => {
  const tile = event.target.closest(".tile");
  if (!tile || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || event.button !== 0) return;
  event.preventDefault();
  document.dispatchEvent(new CustomEvent("photosite:open", { detail: { id: Number(tile.dataset.id) } }));
});
