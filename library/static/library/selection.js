// Select, then act; and a heart on each tile. Each tile in #gallery has a check (click it, press
// `x` on the focused tile, or long-press on a touch screen) and a heart (the user's own favourite).
// Shift-click selects every photo between the last one picked and this one, across days. While
// photos are selected, a click on a tile picks it instead of opening it, and a bar offers: add to
// an album (pick one or make one), favourite, download (a ZIP, download.js), and the
// album page's and staff's own actions.
//
// Works through the gallery client contract only: tiles are `a.tile[data-id]` inside #gallery,
// however and whenever they are rendered (a MutationObserver learns of new ones);
// `window.photositeGrid` answers ranges and tile data when the grid publishes it; favourite
// changes go out as `photosite:favourite` events, and photos taken out of the page as
// `photosite:removed` events ({detail: {ids}}).
"use strict";

(() => {
  const gallery = document.getElementById("gallery");
  const bar = document.getElementById("selection-bar");
  if (!gallery || !bar) return;
  const csrfToken = bar.dataset.csrfToken;
  const albumId = bar.dataset.albumId;
  const count = bar.querySelector(".selection-count");
  const note = document.getElementById("selection-note");
  const picker = document.getElementById("album-picker");
  const selected = new Set();  // photo ids, as the tiles' data-id strings
  const favourites = new Map();  // photo id → whether it is the user's favourite, once known
  const unknown = new Set();  // tiles shown whose heart is still to be asked for
  const changed = new Set();  // photos whose heart changed on this page: an earlier answer about them is stale
  let anchor = null;  // the photo a shift-click ranges from
  let asking = false;
  let favouriteMarks = true;  // what the bar's heart does to the selection: mark, or (all marked) unmark
  let pressTimer = null;
  let pressed = false;  // a long press selected: the click that ends it does nothing more
  const LONG_PRESS_MS = 500;
  const FAVOURITES_PER_QUESTION = 500;

  function action(name) {
    return bar.querySelector(`[data-action="${name}"]`);
  }

  // -- talking to the site -----------------------------------------------------------------
  const api = window.photositeApi(csrfToken);

  function say(text, link = null) {
    note.replaceChildren(text);
    if (link) {
      const anchorElement = document.createElement("a");
      anchorElement.href = link.href;
      anchorElement.textContent = link.text;
      note.append(" ", anchorElement);
    }
    note.hidden = false;
  }

  function failed(error) {
    say(`That did not work: ${error.message}`);
  }

  // -- the controls on each tile -------------------------------------------------------------
  function control(className, label, text) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = className;
    button.tabIndex = -1;  // the tile is the stop for Tab; `x` selects it
    button.setAttribute("aria-label", label);
    button.setAttribute("aria-pressed", "false");
    button.textContent = text;
    return button;
  }

  // A tile gets its controls when they are wanted, not as it is drawn: a scroll that brings fifty
  // tiles would otherwise make a hundred buttons in one frame, and hold the main thread past 50 ms
  // (docs/benchmarks.md, "Scrolling a million"). They are wanted when the pointer comes over the
  // tile, when it takes focus (Tab, `x`, a screen reader's cursor), at a touch, while photos are
  // selected (they show on every tile then), and on a selected or favourite tile (a set heart
  // always shows).
  function equip(tile) {
    if (!tile.querySelector(".tile-check")) {
      tile.append(control("tile-check", "Select", "✓"), control("tile-heart", "Favourite", "♥"));
    }
    show(tile);
  }

  function wantsControls(id) {
    return selected.size > 0 || favourites.get(id) === true;
  }

  function show(tile) {
    const id = tile.dataset.id;
    const isSelected = selected.has(id);
    tile.classList.toggle("selected", isSelected);
    const check = tile.querySelector(".tile-check");
    if (!check) {
      if (wantsControls(id)) equip(tile);
      return;
    }
    check.setAttribute("aria-pressed", String(isSelected));
    tile.querySelector(".tile-heart").setAttribute("aria-pressed", String(favourites.get(id) === true));
  }

  function equipFrom(event) {
    const tile = event.target.closest?.(".tile[data-id]");
    if (tile && gallery.contains(tile)) equip(tile);
  }

  gallery.addEventListener("pointerover", equipFrom);
  gallery.addEventListener("focusin", equipFrom);

  function tilesOf(node) {
    if (node.nodeType !== Node.ELEMENT_NODE) return [];
    return node.matches(".tile[data-id]") ? [node] : [...node.querySelectorAll(".tile[data-id]")];
  }

  function arrived(tiles) {
    for (const tile of tiles) {
      learnFavourite(tile.dataset.id);
      show(tile);
    }
    askFavourites();
  }

  new MutationObserver((records) => {
    arrived(records.flatMap((record) => [...record.addedNodes].flatMap(tilesOf)));
  }).observe(gallery, { childList: true, subtree: true });

  // -- favourites ------------------------------------------------------------------------------
  function learnFavourite(id) {
    const known = window.photositeGrid?.tile(id)?.favourite;  // the grid's data says, when it has it
    if (typeof known === "boolean") favourites.set(id, known);
    else if (!favourites.has(id)) unknown.add(id);
  }

  // The hearts of tiles just shown, in one question per few hundred.
  async function askFavourites() {
    if (asking) return;
    asking = true;
    try {
      while (unknown.size) {
        const ids = [...unknown].slice(0, FAVOURITES_PER_QUESTION);
        ids.forEach((id) => unknown.delete(id));
        const answer = await api(`/api/favourites/?ids=${ids.join(",")}`);
        const yes = new Set(answer.favourites.map(String));
        ids.filter((id) => !changed.has(id)).forEach((id) => favourites.set(id, yes.has(id)));
        refresh();
      }
    } catch (error) {
      failed(error);
    } finally {
      asking = false;
    }
  }

  async function setFavourite(ids, favourite) {
    const answer = await api("/api/favourites/", "POST", { ids: ids.map(Number), favourite });
    for (const id of answer.favourites.map(String)) {
      favourites.set(id, favourite);
      document.dispatchEvent(new CustomEvent("photosite:favourite", { detail: { id: Number(id), favourite } }));
    }
    refresh();
    return answer.favourites.length;
  }

  document.addEventListener("photosite:favourite", (event) => {
    changed.add(String(event.detail.id));
    favourites.set(String(event.detail.id), Boolean(event.detail.favourite));
    const tile = tileFor(String(event.detail.id));
    if (tile) show(tile);
  });

  // -- selecting -------------------------------------------------------------------------------
  function tileFor(id) {
    return gallery.querySelector(`.tile[data-id="${CSS.escape(id)}"]`);
  }

  function toggle(id) {
    if (selected.has(id)) selected.delete(id);
    else selected.add(id);
    anchor = id;
    refresh();
  }

  // Every photo from the anchor to `id`, in grid order: the grid's answer (it knows the photos not
  // loaded yet), else the tiles on the page.
  async function selectRange(id) {
    const ids = window.photositeGrid?.idsBetween
      ? (await window.photositeGrid.idsBetween(anchor, id)).map(String)
      : idsOnPageBetween(anchor, id);
    ids.forEach((each) => selected.add(each));
    anchor = id;
    refresh();
  }

  function idsOnPageBetween(first, last) {
    const ids = [...gallery.querySelectorAll(".tile[data-id]")].map((tile) => tile.dataset.id);
    const [from, to] = [ids.indexOf(first), ids.indexOf(last)].sort((a, b) => a - b);
    return from < 0 ? [last] : ids.slice(from, to + 1);
  }

  function clear() {
    selected.clear();
    anchor = null;
    refresh();
  }

  function refresh() {
    gallery.querySelectorAll(".tile[data-id]").forEach(show);
    bar.hidden = selected.size === 0;
    document.body.classList.toggle("selecting", selected.size > 0);
    count.textContent = `${selected.size} selected`;
    favouriteMarks = selected.size === 0 || ![...selected].every((id) => favourites.get(id) === true);
    action("favourite").textContent = favouriteMarks ? "♥ Favourite" : "♡ Unfavourite";
    const cover = action("cover");
    if (cover) cover.hidden = selected.size !== 1;
  }

  function stop(event) {
    event.preventDefault();
    event.stopPropagation();
  }

  // Before the grid's own click handler (capture on the document): the controls, shift-click, and
  // while selecting a plain click, are the selection's; anything else opens the photo as usual.
  document.addEventListener("click", (event) => {
    const tile = event.target.closest?.(".tile[data-id]");
    if (!tile || !gallery.contains(tile)) return;
    const id = tile.dataset.id;
    if (pressed) {
      pressed = false;
      stop(event);
    } else if (event.target.closest(".tile-heart")) {
      stop(event);
      setFavourite([id], favourites.get(id) !== true).catch(failed);
    } else if (event.shiftKey && anchor !== null) {
      stop(event);
      selectRange(id).catch(failed);
    } else if (event.target.closest(".tile-check") || event.shiftKey
               || (selected.size > 0 && !event.ctrlKey && !event.metaKey)) {
      stop(event);
      toggle(id);
    }
  }, true);

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]")) return;
    const tile = document.activeElement?.closest?.(".tile[data-id]");
    if (event.key === "x" && tile && gallery.contains(tile)) {
      event.preventDefault();
      toggle(tile.dataset.id);
    } else if (event.key === "Escape" && selected.size > 0) {
      clear();
    }
  });

  // A long press on a touch screen selects; the controls then show on every tile.
  gallery.addEventListener("pointerdown", (event) => {
    pressed = false;
    const tile = event.target.closest(".tile[data-id]");
    if (event.pointerType !== "touch" || !tile) return;
    clearTimeout(pressTimer);
    pressTimer = setTimeout(() => {
      pressed = true;
      if (!selected.has(tile.dataset.id)) toggle(tile.dataset.id);
    }, LONG_PRESS_MS);
  });
  for (const type of ["pointerup", "pointercancel", "pointerleave"]) {
    gallery.addEventListener(type, () => clearTimeout(pressTimer));
  }
  gallery.addEventListener("contextmenu", (event) => {
    if (pressed) event.preventDefault();
  });

  // -- acting on the selection -----------------------------------------------------------------
  function selectedIds() {
    return [...selected].map(Number);
  }

  function plural(number, word) {
    return `${number} ${word}${number === 1 ? "" : "s"}`;
  }

  // Photos that no longer belong on this page: out of the DOM, and announced for the grid.
  function removeTiles(ids) {
    for (const id of ids.map(String)) {
      const tile = tileFor(id);
      const day = tile?.closest("section.day");
      tile?.remove();
      if (day && !day.querySelector(".tile")) day.remove();
      selected.delete(id);
    }
    document.dispatchEvent(new CustomEvent("photosite:removed", { detail: { ids: ids.map(Number) } }));
    refresh();
  }

  const actions = {
    async album() {
      const answer = await api("/api/albums/");
      const choices = picker.querySelector(".album-choices");
      choices.replaceChildren(...answer.albums.filter((album) => album.access !== "view").map((album) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.albumId = album.id;
        button.textContent = `${album.title} (${album.count})`;
        item.append(button);
        return item;
      }));
      picker.showModal();
    },
    async favourite() {
      const favourite = favouriteMarks;
      const changed = await setFavourite(selectedIds(), favourite);
      say(`${plural(changed, "photo")} ${favourite ? "added to" : "taken out of"} your favourites.`,
          { href: "/favourites/", text: "See favourites" });
    },
    download() {
      // download.js asks the size, shows it, and posts the ids so the browser's downloads take the ZIP
      document.dispatchEvent(new CustomEvent("photosite:download", { detail: { ids: selectedIds() } }));
    },
    async remove() {
      const ids = selectedIds();
      const answer = await api(`/api/albums/${albumId}/photos`, "POST", { remove: ids });
      removeTiles(ids);
      say(`${plural(answer.changed, "photo")} taken out of the album.`);
    },
    async cover() {
      await api(`/api/albums/${albumId}`, "POST", { cover: selectedIds()[0] });
      say("The album's cover is set.");
      clear();
    },
    async trash() {
      const ids = selectedIds();
      if (!window.confirm(`Move ${plural(ids.length, "photo")} to the trash?`)) return;
      const answer = await api("/api/trash/", "POST", { ids });
      removeTiles(answer.trashed);
      say(`${plural(answer.trashed.length, "photo")} moved to the trash.`);
    },
  };

  bar.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (button?.classList.contains("selection-clear")) clear();
    else if (button?.dataset.action) actions[button.dataset.action]().catch(failed);
  });

  async function addToAlbum(request) {
    const ids = selectedIds();
    const album = await request(ids);
    picker.close();
    clear();
    const added = album.changed ?? ids.length;
    say(`${plural(added, "photo")} added to “${album.title}”.`, { href: album.url, text: "Open the album" });
  }

  picker.querySelector(".album-choices").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-album-id]");
    if (!button) return;
    addToAlbum((ids) => api(`/api/albums/${button.dataset.albumId}/photos`, "POST", { add: ids })).catch(failed);
  });
  picker.querySelector(".album-create").addEventListener("submit", (event) => {
    event.preventDefault();
    const title = event.target.elements.title.value;
    addToAlbum((ids) => api("/api/albums/", "POST", { title, ids })).catch(failed);
    event.target.reset();
  });

  arrived(tilesOf(gallery));
  refresh();
})();
