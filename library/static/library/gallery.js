// The gallery's grid: the whole library laid out from the day summary (which the page carries), with
// only what is near the viewport in the DOM. Each day is a block sized from its count until its
// tiles arrive, then laid out in justified rows by their aspect ratios; a block that changes
// height above the viewport moves the scroll position by as much, so what is on screen stays put.
// Consecutive days with few photos share rows, each under its small date label. The scrubber at
// the right lays out years and months by their height in the grid; dragging it lands on a day.
// A layout taller than a browser lets an element be is scrolled in a scaled scroll space (below).
// Other scripts talk to the grid through `window.photositeGrid` and the `photosite:open` event.
"use strict";

(() => {
  const gallery = document.getElementById("gallery");
  const api = gallery.dataset.api;
  // What the page shows of the library (a search, an album, favourites), passed on to every question.
  const scope = new URLSearchParams(gallery.dataset.scope || "");
  // The tile of the photo a share link's photo page opens (its day is where the grid finds it).
  const openTile = JSON.parse(document.getElementById("open-photo-tile")?.textContent || "null");
  const scrubber = document.querySelector(".scrubber");
  const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December"];
  const MOMENT_BADGES = { live: ["Live Photo", "LIVE"], motion: ["motion photo", "MOTION"], raw: ["RAW+JPEG", "RAW"] };
  const CAMERA_ASPECT = 4 / 3;   // the most common shape, until tiles say otherwise
  const HEADING = 44;            // a day's heading above its rows
  const LABEL = 24;              // a sparse day's small label above its tiles
  const BLOCK_GAP = 8;
  const PACK_GAP = 16;           // between sparse days sharing a row
  const PAGE_TILES = 300;        // tiles per request: several small days at once, or part of a big one
  const MAX_REQUESTS = 2;

  const state = {
    days: [],          // {day, number, count, block}
    blocks: [],        // {days, count, top, height, tiles, next, complete, loading, rows, groups, element}
    byDay: new Map(),    // "YYYY-MM-DD" → its entry in days
    records: new Map(),  // id → tile record, as the API sent it
    elements: new Map(),  // id → tile element in the DOM
    drawn: new Set(),    // blocks with an element in the DOM
    width: 0, row: 200, gap: 4, total: 0, requests: 0, top: 0, railHeight: 0,
    aspects: 0, tilesSeen: 0,  // the shapes of the tiles loaded so far, for guessing the others
    // The scroll space: as tall as the layout (`total`) up to `cap`, then `cap` tall and scaled.
    cap: 0, space: 0, scaled: false, below: 0,
    page: 0, offset: 0,  // the scaled space's page the screen is on, and the layout's lead on the scroll
    scroll: 0,           // the scroll position (from the grid's top) the layout was last fitted to
  };

  // ---- Days and blocks ----------------------------------------------------------------------
  // "YYYY-MM-DD" of a day number (days since 1970-01-01), by integer arithmetic (H. Hinnant's
  // civil_from_days): the summary of a million photos has thousands of days, and a Date and its
  // toISOString for each took 12 ms of a first screen's main thread.
  function dayText(number) {
    const shifted = number + 719468;  // days since 0000-03-01, where a year ends with February
    const era = Math.floor(shifted / 146097);
    const dayOfEra = shifted - era * 146097;
    const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524)
      - Math.floor(dayOfEra / 146096)) / 365);
    const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
    const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
    const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
    const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
    const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    return `${String(year).padStart(4, "0")}-${month < 10 ? "0" : ""}${month}-${day < 10 ? "0" : ""}${day}`;
  }

  function dayHeading(day) {
    const date = new Date(`${day}T00:00:00Z`);
    return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  }

  function shortDay(day) {
    const date = new Date(`${day}T00:00:00Z`);
    return `${WEEKDAYS[date.getUTCDay()].slice(0, 3)} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()].slice(0, 3)} ${date.getUTCFullYear()}`;
  }

  // The summary's flat array: the newest day's number and count, then days back and count.
  function decodeDays(numbers) {
    const days = [];
    state.byDay.clear();
    for (let index = 0, number = null; index < numbers.length; index += 2) {
      number = number === null ? numbers[index] : number - numbers[index];
      days.push({ day: dayText(number), number, count: numbers[index + 1], block: null });
      state.byDay.set(days.at(-1).day, days.at(-1));
    }
    return days;
  }

  function isSparse(day) {
    return day.count * (CAMERA_ASPECT * state.row + state.gap) <= state.width / 2;
  }

  // Dense days are blocks of their own; runs of sparse days within a month share one.
  function makeBlocks() {
    const blocks = [];
    let pack = null;
    for (const day of state.days) {
      const sparse = isSparse(day);
      if (!(sparse && pack && pack.days[0].day.slice(0, 7) === day.day.slice(0, 7))) {
        pack = newBlock(sparse);
        blocks.push(pack);
      }
      pack.days.push(day);
      pack.count += day.count;
      day.block = pack;
      if (!sparse) pack = null;
    }
    blocks.forEach((block, index) => { block.index = index; });
    return blocks;
  }

  function newBlock(sparse) {
    return { sparse, days: [], count: 0, top: 0, height: 0, tiles: [], next: null, complete: false,
      loading: false, rows: [], groups: [], element: null };
  }

  // ---- Layout -------------------------------------------------------------------------------
  const blockOf = (tile) => state.byDay.get(tile.day).block;
  const guessedAspect = () => (state.tilesSeen > 20 ? state.aspects / state.tilesSeen : CAMERA_ASPECT);
  const aspectOf = (tile) => Math.min(4, Math.max(0.25, tile.width / tile.height));

  // Justified rows: tiles at the target height until a row is full, then the row scaled to fit.
  function justify(tiles, top) {
    const rows = [];
    let start = 0, sum = 0;
    for (let index = 0; index < tiles.length; index++) {
      sum += aspectOf(tiles[index]);
      const count = index - start + 1;
      if (sum * state.row + (count - 1) * state.gap >= state.width) {
        const height = (state.width - (count - 1) * state.gap) / sum;
        rows.push(placeRow(tiles.slice(start, index + 1), 0, top, height));
        top += height + state.gap;
        start = index + 1;
        sum = 0;
      }
    }
    if (start < tiles.length) {
      rows.push(placeRow(tiles.slice(start), 0, top, state.row));
      top += state.row + state.gap;
    }
    return { rows, bottom: top };
  }

  function placeRow(tiles, left, top, height) {
    const items = tiles.map((tile) => {
      const width = aspectOf(tile) * height;
      const item = { tile, left, width };
      left += width + state.gap;
      return item;
    });
    return { top, height, items };
  }

  function layDense(block) {
    const day = block.days[0];
    const { rows, bottom } = justify(block.tiles, HEADING);
    const missing = block.complete ? 0 : Math.max(0, day.count - block.tiles.length);
    // Justified rows are a little lower than the target: the area the missing tiles cover, at it.
    const guessed = missing && missing * guessedAspect() * (state.row + state.gap) ** 2 / state.width;
    block.rows = rows;
    block.groups = [{ day: day.day, top: 0, left: 0 }];
    // A day whose tiles are all in is as tall as its rows (one full row of small tiles on a phone
    // is lower than the target); until then, at least a row's height.
    return Math.round(block.complete ? bottom : Math.max(bottom + guessed, HEADING + state.row));
  }

  // Sparse days one after another in rows of the target height, each under its label; a day
  // wider than the grid (it had more photos than its count said) is scaled down to fit.
  function layPack(block) {
    const byDay = new Map(block.days.map((day) => [day.day, []]));
    for (const tile of block.tiles) byDay.get(tile.day)?.push(tile);
    block.rows = [];
    block.groups = [];
    let left = 0, top = 0;
    for (const day of block.days) {
      const tiles = byDay.get(day.day);
      const aspects = tiles.length ? tiles.reduce((total, tile) => total + aspectOf(tile), 0) : day.count * guessedAspect();
      const count = Math.max(1, tiles.length || day.count);
      let width = aspects * state.row + (count - 1) * state.gap;
      const height = width > state.width ? state.row * (state.width - (count - 1) * state.gap) / (aspects * state.row) : state.row;
      width = Math.min(width, state.width);
      if (left > 0 && left + width > state.width) {
        left = 0;
        top += LABEL + state.row + PACK_GAP;
      }
      block.groups.push({ day: day.day, top, left, width });
      if (tiles.length) block.rows.push(placeRow(tiles, left, top + LABEL, height));
      left += width + PACK_GAP;
    }
    return top + LABEL + state.row;
  }

  function layBlock(block) {
    block.height = block.sparse ? layPack(block) : layDense(block);
  }

  function placeBlocks(from) {
    let top = from > 0 ? state.blocks[from - 1].top + state.blocks[from - 1].height + BLOCK_GAP : 0;
    for (let index = from; index < state.blocks.length; index++) {
      state.blocks[index].top = top;
      top += state.blocks[index].height + BLOCK_GAP;
    }
    state.total = top;
    state.scaled = top > state.cap;
    state.space = Math.min(top, state.cap);
    gallery.style.height = `${state.space}px`;
    gallery.classList.toggle("scaled", state.scaled);
  }

  function measure() {
    const style = getComputedStyle(gallery);
    state.row = parseFloat(style.getPropertyValue("--row")) || 200;
    state.gap = parseFloat(style.getPropertyValue("--gap")) || 4;
    state.width = gallery.clientWidth;
    state.cap = parseFloat(style.getPropertyValue("--max-scroll")) || 10000000;
    state.top = gallery.getBoundingClientRect().top + scrollY;
    scrubber.style.top = `${Math.round(state.top)}px`;  // below the site's header, however many lines it takes
  }

  // Where the grid starts in the page (measured with the width: reading it each time would make
  // the browser lay the page out again after every change).
  const gridTop = () => state.top;

  // Lays everything out again (first time, or the width changed), keeping the day at the top of
  // the screen at the top. `drawLater`: the tiles are drawn in the next frame, a task of its own
  // (the first layout: with the summary's decoding and the layout of a million photos' days, drawing
  // the first screen in the same task held the main thread for 55 ms).
  function layoutAll(drawLater = false) {
    const anchor = anchorPoint();
    measure();
    const loaded = state.blocks.flatMap((block) => block.tiles);
    state.blocks = makeBlocks();
    for (const tile of loaded) blockOf(tile).tiles.push(tile);  // one pass, in the order they came
    for (const block of state.blocks) block.complete = block.tiles.length >= block.count;
    if (newestTiles) {  // the first layout, of a page that carries its newest tiles: laid out with them
      take(state.blocks, newestTiles);
      newestTiles = null;
    }
    for (const block of state.blocks) layBlock(block);
    placeBlocks(0);
    gallery.replaceChildren();
    state.elements.clear();
    state.drawn.clear();
    state.below = Math.max(0, document.documentElement.scrollHeight - state.top - state.space);
    if (anchor) scrollToLayout(dayTop(anchor.day) + anchor.offset);
    else state.page = state.offset = 0;
    drawScrubber();
    if (drawLater) scheduleRender();
    else render();
  }

  function anchorPoint() {
    if (!state.blocks.length) return null;
    const y = viewTop();
    if (y <= 0) return null;
    const block = blockAt(y);
    return { day: block.days[0].day, offset: y - block.top };
  }

  function blockAt(y) {
    const blocks = state.blocks;
    let low = 0, high = blocks.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (blocks[middle].top <= y) low = middle; else high = middle - 1;
    }
    return blocks[low];
  }

  // Where a day starts in the grid: its block's top, or its line within a shared block.
  function dayTop(day) {
    const found = state.days.find((entry) => entry.day <= day) || state.days[state.days.length - 1];
    const group = found.block.groups.find((entry) => entry.day === found.day);
    return found.block.top + (group ? group.top : 0);
  }

  function dayAt(y) {
    const block = blockAt(y);
    let found = block.groups[0];  // the first day of the lowest line starting above y
    for (const group of block.groups) if (block.top + group.top <= y && group.top > found.top) found = group;
    return found ? found.day : block.days[0].day;
  }

  // The blocks' new layout after their tiles arrived, placed in one pass. Blocks wholly above
  // the screen's top move the scroll position by their change in height, so nothing on screen
  // moves; at the end of the grid, it stays at the end.
  function relayout(blocks) {
    const top = viewTop(), scaled = state.scaled;
    const atEnd = scrollY > 0 && top + innerHeight >= state.total - 2;
    let above = 0, first = Infinity;
    for (const block of blocks) {
      const before = block.height;
      layBlock(block);
      if (block.height === before) continue;
      first = Math.min(first, block.index);
      if (block.top + before <= top + 1) above += block.height - before;
    }
    if (first === Infinity) return;
    placeBlocks(first);
    if (atEnd) scrollToLayout(state.total);
    else if (above || scaled || state.scaled) scrollToLayout(top + above);
    scheduleScrubber();
  }

  // ---- The scaled scroll space --------------------------------------------------------------
  // A browser lays out no element taller than about 33 million pixels (Chromium; Firefox about
  // 18), and a million photos are about 30 million. A layout taller than `--max-scroll` is
  // scrolled in a space that tall, cut in pages: within a page the scroll position and the
  // layout move 1:1 (a wheel, a finger, the keys move the grid as on any page, on the
  // compositor), the page's offset being how far the layout leads the scroll position. Pages
  // further down lead by more, from none on the first to all the layout's excess on the last, so
  // the top and the end of the scroll space are the top and the end of the grid. Stepping into
  // the next page moves the scroll position back by the difference in offset in the same frame as
  // the grid moves by it: nothing on screen moves. A long move (the scrollbar, End) lands on the
  // page whose part of the scroll space holds it. Below the cap there is one page and no offset.
  function pages() {
    const end = Math.max(1, state.space + state.below - innerHeight);  // the furthest scroll
    const excess = state.total - state.space;
    const last = end + excess;                                         // the furthest layout top
    const count = Math.max(Math.ceil(excess / end) + 1, Math.ceil(last / (state.cap / 20)));
    // Page k holds layout tops [k·length, (k+1)·length) and leads by k·step; `length > step`
    // keeps each page's scroll positions within [0, end].
    return { end, last, count, length: last / (count + 1), step: excess / count };
  }

  const pageOf = (y, space) => Math.min(space.count, Math.max(0, Math.floor(y / space.length)));

  // Where the screen's top is in the layout (the scroll position where the space is not scaled).
  const viewTop = () => scrollY - gridTop() + state.offset;

  function turnTo(page, space) {
    state.page = page;
    state.offset = Math.round(page * space.step);
  }

  // Scrolls so that the screen's top is at `y` in the layout.
  function scrollToLayout(y) {
    if (state.scaled) {
      const space = pages();
      y = Math.min(y, space.last);
      const kept = y - state.offset;
      if (pageOf(y, space) !== state.page || kept < 0 || kept > space.end) turnTo(y > 0 ? pageOf(y, space) : 0, space);
    } else {
      state.page = state.offset = 0;
    }
    state.scroll = y - state.offset;
    scrollTo(0, gridTop() + state.scroll);
    scheduleRender();
  }

  // The layout's answer to the scroll position (read once a frame, by `render`).
  function followScroll() {
    const scroll = scrollY - gridTop();
    if (!state.scaled) return scroll;
    const space = pages();
    if (Math.abs(scroll - state.scroll) > 2 * innerHeight) {
      turnTo(scroll > 0 ? Math.min(space.count, Math.floor(scroll / (space.length - space.step))) : 0, space);
      state.scroll = scroll;
      return scroll + state.offset;
    }
    const y = scroll + state.offset, page = pageOf(y, space);
    state.scroll = scroll;
    if (page !== state.page) {
      turnTo(page, space);
      state.scroll = y - state.offset;
      scrollTo(0, gridTop() + state.scroll);
    }
    return y;
  }

  // ---- Loading ------------------------------------------------------------------------------
  async function fetchJson(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${response.status} ${url}`);
    return response.json();
  }

  // What the page carries for the grid to start from, as the timeline API would answer it: the
  // day summary, and the newest tiles of the scope. Null where the page has none.
  function carried(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // The newest tiles: the first blocks' tiles, taken by the first layout (which then needs no
  // second pass for them, nor a request). Null once taken, or on a page that starts elsewhere (a
  // photo's, a month's).
  let newestTiles = carried("newest-tiles");

  // Loads the next page of `first` and, when they fit in the same request, the blocks after it
  // that still need tiles. Resolves when the tiles are laid out.
  function load(first, wanted) {
    const blocks = [first];
    if (!first.next) {
      let count = first.count;
      for (let index = first.index + 1; index < state.blocks.length; index++) {
        const block = state.blocks[index];
        if (!wanted.has(block) || block.loading || block.complete || block.tiles.length || count + block.count > PAGE_TILES) break;
        blocks.push(block);
        count += block.count;
      }
    }
    const newest = first.days[0].day, oldest = blocks[blocks.length - 1].days.at(-1).day;
    const params = new URLSearchParams(scope);
    params.set("from", newest);
    params.set("to", oldest);
    params.set("limit", String(PAGE_TILES));
    if (first.next) params.set("after", first.next);
    return track(blocks, fetchJson(`${api}tiles?${params}`));
  }

  // `blocks` loading until `answer` is in and laid out.
  function track(blocks, answer) {
    state.requests++;
    const loading = answer
      .then((tiles) => receive(blocks, tiles))
      .finally(() => {
        for (const block of blocks) block.loading = null;
        state.requests--;
        scheduleRender();
      });
    for (const block of blocks) block.loading = loading;
    return loading;
  }

  function receive(blocks, answer) {
    relayout(take(blocks, answer));
  }

  // Gives `blocks` the tiles of `answer` and says which it completed, and where the next page of
  // the one it cut starts; the blocks it reached. An answer from the newest day on (the tiles a
  // page carries) reaches as far back as its tiles go: every block is its until then.
  function take(blocks, answer) {
    const last = answer.tiles.at(-1);
    for (const tile of answer.tiles) {
      if (!state.byDay.has(tile.day) || state.records.has(tile.id)) continue;
      blockOf(tile).tiles.push(tile);
      state.records.set(tile.id, tile);
      state.aspects += aspectOf(tile);
      state.tilesSeen++;
    }
    const reached = [];
    for (const block of blocks) {
      const cut = answer.next && last && block.days.at(-1).day <= last.day;
      block.next = cut && block.days.some((day) => day.day === last.day) ? answer.next : null;
      block.complete = !cut;
      if (cut && !block.next) break;  // older blocks than the cut were not reached
      reached.push(block);
    }
    return reached;
  }

  // Requests tiles for the blocks near the screen, those on it first.
  function requestNear(view, near) {
    const wanted = new Set(near);
    const order = [...view, ...near.filter((block) => !view.includes(block))];
    for (const block of order) {
      if (state.requests >= MAX_REQUESTS) return;
      if (!block.loading && !block.complete) load(block, wanted).catch(() => {});  // asked again on the next scroll
    }
  }

  // Waits for a request under way or makes one: the next page of the block.
  function loadMore(block) {
    return block.loading ? block.loading : load(block, new Set());
  }

  async function loadAll(block) {
    while (!block.complete) await loadMore(block);
  }

  // ---- Rendering ----------------------------------------------------------------------------
  // `onScreen`: the tile is in the viewport as it is drawn. Its image is asked first: the tiles
  // drawn ahead, below the screen, would otherwise share the connections (and a server making
  // thumbnails) with it, and the screen would fill only as fast as all of them.
  function tileElement(tile, onScreen) {
    const link = document.createElement("a");
    link.className = "tile";
    link.href = tile.href;  // the photo's own page (under a share link, its route there)
    const data = link.dataset;
    data.id = tile.id;
    data.kind = tile.kind;
    data.name = tile.name;
    data.time = tile.time;
    data.preview = tile.preview;
    data.original = tile.original;
    data.play = tile.play;
    if (tile.moment) data.moment = tile.moment;
    if (tile.motion) data.motion = tile.motion;
    if (tile.raw) data.raw = tile.raw;
    if (tile.placeholder) window.photositePlaceholder?.drawSoon(link, tile.placeholder);
    const image = document.createElement("img");
    image.decoding = "async";
    image.fetchPriority = onScreen ? "high" : "low";
    image.alt = tile.name;
    image.width = tile.width;
    image.height = tile.height;
    image.addEventListener("load", () => link.classList.add("loaded"), { once: true });
    image.src = tile.thumbnail;
    link.append(image);
    const badge = tile.kind === "video" ? ["video", `▶ ${tile.clock}`] : MOMENT_BADGES[tile.moment];
    if (badge) {
      const span = document.createElement("span");
      span.className = tile.kind === "video" ? "badge" : "badge badge-moment";
      span.setAttribute("aria-label", badge[0]);
      span.textContent = badge[1];
      link.append(span);
    }
    return link;
  }

  function blockElement(block) {
    const section = document.createElement("section");
    section.className = block.sparse ? "day days-pack" : "day";
    section.dataset.day = block.days[0].day;
    if (!block.sparse) {
      const heading = document.createElement("h2");
      heading.textContent = dayHeading(block.days[0].day);
      section.append(heading);
    }
    block.labels = new Map();
    return section;
  }

  // Places an element (through the CSSOM: the Content-Security-Policy refuses style attributes),
  // touching its style only when the place changed.
  function position(element, left, top, width, height) {
    const place = `${left},${top},${width},${height}`;
    if (element.place === place) return;
    element.place = place;
    const style = element.style;
    style.transform = `translate(${left}px, ${top}px)`;
    style.width = `${width}px`;
    if (height !== undefined) style.height = `${height}px`;
  }

  // Draws the block's tiles between `from` and `to`: every new one on the screen, and of those
  // drawn ahead of it only as many as `budget.ahead` still allows (`budget.deferred` says some wait).
  function drawBlock(block, from, to, view, budget) {
    if (!block.element) {
      block.element = blockElement(block);
      gallery.append(block.element);
      state.drawn.add(block);
    }
    block.element.classList.toggle("pending", !block.tiles.length);
    position(block.element, 0, block.top - state.offset, state.width, block.height);
    if (block.sparse) drawLabels(block);
    const shown = new Set();
    for (const row of block.rows) {
      if (block.top + row.top > to || block.top + row.top + row.height < from) continue;
      for (const item of row.items) {
        let element = state.elements.get(item.tile.id);
        if (!element) {
          const top = block.top + row.top;
          const onScreen = top < view[1] && top + row.height > view[0];
          if (!onScreen && budget.ahead-- <= 0) {
            budget.deferred = true;
            continue;
          }
          element = tileElement(item.tile, onScreen);
          state.elements.set(item.tile.id, element);
          block.element.append(element);
        }
        position(element, item.left, row.top, item.width, row.height);
        shown.add(item.tile.id);
      }
    }
    return shown;
  }

  function drawLabels(block) {
    for (const group of block.groups) {
      let label = block.labels.get(group.day);
      if (!label) {
        label = document.createElement("h3");
        label.className = "day-label";
        label.dataset.day = group.day;
        label.title = dayHeading(group.day);
        label.textContent = shortDay(group.day);
        block.labels.set(group.day, label);
        block.element.append(label);
      }
      position(label, group.left, group.top, group.width);
    }
  }

  // A frame makes the new tiles on the screen and at most AHEAD_PER_FRAME of those drawn ahead, near
  // it: a jump of the scrubber brings a hundred new tiles, and their elements, style, layout and
  // paint in one frame would hold the main thread past 50 ms (docs/benchmarks.md, "Scrolling a
  // million"). The others follow in the next frames; the grid is busy until they are in.
  const AHEAD_PER_FRAME = 16;

  function render() {
    rendering = false;
    if (!state.blocks.length) return;
    const top = followScroll();
    const view = [top, top + innerHeight];
    const near = [top - innerHeight, top + 2 * innerHeight];
    const budget = { ahead: AHEAD_PER_FRAME, deferred: false };
    const viewBlocks = [], nearBlocks = [], shown = new Set();
    for (let index = blockAt(Math.max(0, near[0])).index; index < state.blocks.length; index++) {
      const block = state.blocks[index];
      if (block.top > near[1]) break;
      nearBlocks.push(block);
      if (block.top <= view[1] && block.top + block.height >= view[0]) viewBlocks.push(block);
      for (const id of drawBlock(block, near[0], near[1], view, budget)) shown.add(id);
    }
    for (const [id, element] of state.elements) {
      if (!shown.has(id)) {
        element.remove();
        state.elements.delete(id);
      }
    }
    for (const block of state.drawn) {
      if (!nearBlocks.includes(block)) {
        block.element.remove();
        block.element = null;
        state.drawn.delete(block);
      }
    }
    requestNear(viewBlocks, nearBlocks);
    gallery.setAttribute("aria-busy", String(state.requests > 0 || budget.deferred));
    moveThumb(top);
    if (budget.deferred) scheduleRender();
  }

  let rendering = false;
  function scheduleRender() {
    if (!rendering) {
      rendering = true;
      gallery.setAttribute("aria-busy", "true");
      requestAnimationFrame(render);
    }
  }

  // ---- Scrubber -----------------------------------------------------------------------------
  const marks = scrubber.querySelector(".scrubber-marks");
  const thumb = scrubber.querySelector(".scrubber-thumb");
  const bubble = scrubber.querySelector(".scrubber-date");
  let scrubberPending = false;

  function railFraction(y) {
    return state.total ? y / state.total : 0;
  }

  // Years (labelled) and months (dots) at the height their photos take in the grid.
  function drawScrubber() {
    scrubberPending = false;
    const height = state.railHeight = scrubber.clientHeight;
    const children = [];
    let lastLabel = -Infinity, year = null, month = null;
    for (const block of state.blocks) {
      const day = block.days[0].day;
      const top = railFraction(block.top) * height;
      if (day.slice(0, 4) !== year) {
        year = day.slice(0, 4);
        month = day.slice(0, 7);
        if (top - lastLabel >= 16) {
          children.push(mark("scrubber-year", top, year));
          lastLabel = top;
        }
      } else if (day.slice(0, 7) !== month) {
        month = day.slice(0, 7);
        if (top - lastLabel >= 6) children.push(mark("scrubber-month", top, ""));
      }
    }
    marks.replaceChildren(...children);
    moveThumb(viewTop());
  }

  function mark(className, top, text) {
    const element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    element.style.transform = `translateY(${top}px)`;
    return element;
  }

  function scheduleScrubber() {
    if (!scrubberPending) {
      scrubberPending = true;
      setTimeout(drawScrubber, 200);
    }
  }

  // `top`: where the screen's top is in the grid, read before the DOM changed (reading the
  // scroll position after a change would make the browser lay the page out at once).
  function moveThumb(top) {
    thumb.style.transform = `translateY(${railFraction(Math.max(0, top)) * state.railHeight}px)`;
  }

  function scrubTo(event) {
    const rail = scrubber.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientY - rail.top) / rail.height));
    const day = dayAt(fraction * state.total);
    const date = new Date(`${day}T00:00:00Z`);
    bubble.hidden = false;
    bubble.value = `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()].slice(0, 3)} ${date.getUTCFullYear()}`;
    bubble.dataset.day = day;
    bubble.style.transform = `translateY(${fraction * rail.height}px)`;
    scrollToLayout(dayTop(day));
  }

  scrubber.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    scrubber.setPointerCapture(event.pointerId);
    scrubber.classList.add("dragging");
    scrubTo(event);
    event.preventDefault();
  });
  scrubber.addEventListener("pointermove", (event) => {
    if (scrubber.hasPointerCapture(event.pointerId)) scrubTo(event);
  });
  const endScrub = (event) => {
    if (!scrubber.hasPointerCapture(event.pointerId)) return;
    scrubber.releasePointerCapture(event.pointerId);
    scrubber.classList.remove("dragging");
    bubble.hidden = true;
  };
  scrubber.addEventListener("pointerup", endScrub);
  scrubber.addEventListener("pointercancel", endScrub);

  // ---- Keys and clicks ----------------------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest?.("input, select, textarea, dialog, [contenteditable]")) return;
    const page = innerHeight * 0.9;
    const moves = { PageDown: () => scrollBy(0, page), PageUp: () => scrollBy(0, -page),
      Home: () => scrollToLayout(-gridTop()), End: () => scrollToLayout(state.total) };
    if (!moves[event.key]) return;
    event.preventDefault();
    moves[event.key]();
  });

  gallery.addEventListener("click", (event) => {
    const tile = event.target.closest(".tile");
    if (!tile || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    if (event.target.closest("button, input, label") && tile.contains(event.target.closest("button, input, label"))) return;
    event.preventDefault();
    document.dispatchEvent(new CustomEvent("photosite:open", { detail: { id: Number(tile.dataset.id) } }));
  });

  // ---- The contract -------------------------------------------------------------------------
  function place(id) {
    const tile = state.records.get(Number(id));
    return tile ? { block: blockOf(tile), index: blockOf(tile).tiles.indexOf(tile) } : null;
  }

  // Where a photo is in the grid, loading its day first when its tile has not been fetched yet
  // (a photo's own page opens the viewer before the grid reached it): the server names its day,
  // in the page under a share link, through the info route otherwise.
  async function locate(id) {
    await started;
    if (place(id)) return place(id);
    const day = openTile?.id === Number(id) ? openTile.day : await dayOf(id);
    const block = state.byDay.get(day)?.block;
    if (!block) return null;
    while (!place(id) && !block.complete) await loadMore(block);
    return place(id);
  }

  async function dayOf(id) {
    const response = await fetch(`/api/photos/${Number(id)}/info`, { credentials: "same-origin" }).catch(() => null);
    return response?.ok ? (await response.json()).tile?.day : null;
  }

  async function neighbour(id, delta) {
    const at = await locate(id);
    if (!at) return null;
    let { block, index } = at;
    index += delta;
    while (index >= block.tiles.length) {
      if (!block.complete) { await loadMore(block); continue; }
      index -= block.tiles.length;
      block = state.blocks[block.index + 1];
      if (!block) return null;
      if (!block.tiles.length && !block.complete) await loadMore(block);
    }
    while (index < 0) {
      block = state.blocks[block.index - 1];
      if (!block) return null;
      await loadAll(block);
      index += block.tiles.length;
    }
    return block.tiles[index];
  }

  async function reveal(id) {
    const at = await locate(id);
    if (!at) return;
    const row = at.block.rows.find((entry) => entry.items.some((item) => item.tile.id === Number(id)));
    const top = at.block.top + (row ? row.top : 0), screen = viewTop();
    if (top < screen || top + (row ? row.height : 0) > screen + innerHeight) scrollToLayout(top - innerHeight / 3);
    render();
    state.elements.get(Number(id))?.focus({ preventScroll: true });
  }

  async function idsBetween(first, second) {
    let [a, b] = await Promise.all([locate(first), locate(second)]);
    if (!a || !b) return [];
    if (a.block.index > b.block.index || (a.block === b.block && a.index > b.index)) [a, b] = [b, a];
    const ids = [];
    for (let index = a.block.index; index <= b.block.index; index++) {
      const block = state.blocks[index];
      await loadAll(block);
      const from = block === a.block ? a.index : 0;
      const to = block === b.block ? b.index : block.tiles.length - 1;
      for (let position = from; position <= to; position++) ids.push(block.tiles[position].id);
    }
    return ids;
  }

  // Tiles taken out of what this page shows (removed from its album, moved to the trash): out of
  // their days' counts and tiles, and the grid laid out again without them, in place (a reload
  // would lose what the page just said about them). A page left with no photo is loaded again,
  // to say so.
  document.addEventListener("photosite:removed", (event) => {
    for (const id of event.detail.ids) {
      const tile = state.records.get(Number(id));
      if (!tile) continue;
      const block = blockOf(tile);
      block.tiles.splice(block.tiles.indexOf(tile), 1);
      state.byDay.get(tile.day).count--;
      state.records.delete(tile.id);
    }
    for (const day of state.days) if (day.count <= 0) state.byDay.delete(day.day);
    state.days = state.days.filter((day) => day.count > 0);
    if (state.days.length) layoutAll();
    else location.reload();
  });

  // Whoever changes a favourite says so; the tile's record follows.
  document.addEventListener("photosite:favourite", (event) => {
    const tile = state.records.get(Number(event.detail.id));
    if (tile) tile.favourite = event.detail.favourite;
  });

  window.photositeGrid = {
    tile: (id) => state.records.get(Number(id)) || null,
    neighbour, reveal, idsBetween,
  };

  // ---- Start --------------------------------------------------------------------------------
  async function start() {
    const summary = carried("grid-summary") || await fetchJson(scope.size ? `${api}summary?${scope}` : `${api}summary`);
    state.days = decodeDays(summary.days);
    if (!state.days.length) {
      gallery.querySelector(".empty").hidden = false;
      return;
    }
    scrubber.hidden = false;
    gallery.classList.add("grid");
    // The grid keeps what is on screen in place itself; the browser's scroll anchoring would
    // move it a second time.
    document.documentElement.style.overflowAnchor = "none";
    layoutAll(true);
    addEventListener("scroll", scheduleRender, { passive: true });
    let width = state.width;
    new ResizeObserver(() => {
      if (gallery.clientWidth !== width) {
        width = gallery.clientWidth;
        layoutAll();
      }
    }).observe(gallery);
    new ResizeObserver(drawScrubber).observe(scrubber);
    gallery.dispatchEvent(new CustomEvent("photosite:grid-ready", { bubbles: true }));
  }

  const started = start();
})();
