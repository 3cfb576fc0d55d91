/* tuopin field work without signal: the on-device queue (IndexedDB), photo compression
 * (canvas), time and place of each saved form, in-order sync, the 待同步 list and page.
 * Plain browser APIs only; no library, no outside host. See docs/usage/offline.md. */
(function () {
  "use strict";

  const configNode = document.getElementById("tuopin-offline");
  if (!configNode) return;
  const config = JSON.parse(configNode.textContent);
  const DB_NAME = "tuopin-offline";
  const PAGES = "tuopin-pages";
  const MAX_FILE_BYTES = 8 * 1024 * 1024;
  const PHOTO_EDGE = 1600;
  const PHOTO_QUALITY = 0.72;
  const REFRESH_MS = 12 * 3600 * 1000;
  const DONE_KEEP = 30;
  const patterns = config.forms.map((f) => ({ kind: f.kind, re: new RegExp(f.pattern) }));

  // ---- IndexedDB -------------------------------------------------------------------------
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          const database = request.result;
          database.createObjectStore("queue", { keyPath: "id" });
          database.createObjectStore("done", { keyPath: "id" });
          database.createObjectStore("data", { keyPath: "key" });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }
  async function store(name, mode, work) {
    const database = await db();
    return new Promise((resolve, reject) => {
      const transaction = database.transaction(name, mode);
      let result;
      const request = work(transaction.objectStore(name));
      if (request) request.onsuccess = () => { result = request.result; };
      transaction.oncomplete = () => resolve(result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error || new Error("事务中止"));
    });
  }
  const all = (name) => store(name, "readonly", (s) => s.getAll());
  const get = (name, key) => store(name, "readonly", (s) => s.get(key));
  const put = (name, value) => store(name, "readwrite", (s) => s.put(value));
  const remove = (name, key) => store(name, "readwrite", (s) => s.delete(key));
  async function queue() {
    const items = await all("queue");
    return items.sort((a, b) => (a.seq - b.seq) || (a.created < b.created ? -1 : 1));
  }

  // ---- helpers ---------------------------------------------------------------------------
  function formKind(form) {
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") return null;
    const path = new URL(form.action, location.href).pathname;
    const match = patterns.find((p) => p.re.test(path));
    return match ? match.kind : null;
  }
  function csrf() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function when(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return "";
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  function element(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  }
  function notice(text, kind) {
    let box = document.getElementById("offline-notice");
    if (!box) {
      box = element("div", null, { id: "offline-notice", role: "status" });
      const main = document.querySelector("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    box.className = "offline-notice " + (kind || "");
    box.textContent = text;
  }
  // Set by the page the service worker answers when a form post found no connection although
  // the phone believed it was online (one bar): for two minutes, saving queues.
  function deadConnection() {
    const at = Number(sessionStorage.getItem("tuopin-offline-dead") || 0);
    return Date.now() - at < 120000;
  }
  function controlled() {
    return Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
  }
  async function reachable() {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 8000);
    try {
      const response = await fetch(config.ping, { cache: "no-store", credentials: "same-origin", signal: abort.signal });
      return response.ok;
    } catch (error) {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
  function position() {
    if (!("geolocation" in navigator)) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), 3000);
      navigator.geolocation.getCurrentPosition(
        (p) => { clearTimeout(timer); resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy }); },
        () => { clearTimeout(timer); resolve(null); },
        { enableHighAccuracy: true, timeout: 3000, maximumAge: 120000 }
      );
    });
  }

  // Photos are scaled to at most 1600 px on the long edge and stored as JPEG: a 4 MB phone
  // photo becomes ~300 KB, which a single bar of signal can still send.
  async function compress(file) {
    if (!/^image\/(jpeg|png|webp|heic|heif|bmp)$/.test(file.type)) return file;
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, PHOTO_EDGE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      const context = canvas.getContext("2d");
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", PHOTO_QUALITY));
      if (!blob || blob.size >= file.size) return file;
      const name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
      return new File([blob], name, { type: "image/jpeg" });
    } catch (error) {
      return file;
    }
  }

  // ---- saving a form to the queue -------------------------------------------------------
  function editingId() {
    const match = location.hash.match(/^#offline-item=([0-9a-f-]{36})$/);
    return match ? match[1] : null;
  }
  function summary(form, fields) {
    for (const control of form.elements) {
      if (!control.name || control.tagName === "BUTTON" || /^(hidden|file|submit|button|reset|image)$/.test(control.type)) continue;
      if (control.tagName === "SELECT" || control.type === "checkbox" || control.type === "radio") continue;
      const field = fields.find((f) => f.name === control.name && typeof f.value === "string" && f.value.trim());
      if (field) return field.value.trim().slice(0, 40);
    }
    return "";
  }
  async function enqueue(form, kind, submitter, editing) {
    const data = new FormData(form, submitter || null);
    const fields = [];
    const newFiles = new Set();
    for (const [name, value] of data.entries()) {
      if (name === "csrfmiddlewaretoken") continue;
      if (value instanceof File) {
        if (!value.name && value.size === 0) continue;
        const file = await compress(value);
        if (file.size > MAX_FILE_BYTES) {
          notice(`照片或文件“${value.name}”压缩后仍超过 8 MB，未保存。请换一张照片或缩小后再保存。`, "error");
          return null;
        }
        fields.push({ name, file, filename: file.name, type: file.type, size: file.size });
        newFiles.add(name);
      } else {
        fields.push({ name, value });
      }
    }
    const action = new URL(form.action, location.href);
    let item = editing ? await get("queue", editing) : null;
    if (item) {
      for (const old of item.fields) if (old.file && !newFiles.has(old.name)) fields.push(old);
    } else {
      item = { id: crypto.randomUUID(), seq: Date.now(), created: new Date().toISOString(), place: await position() };
    }
    // The template this form was filled on (only for the page's own form).
    const own = action.pathname === location.pathname;
    item.formVersion = own && config.formVersion ? config.formVersion : (item.formVersion || "");
    Object.assign(item, {
      user: config.user,
      userName: config.userName,
      kind,
      url: action.pathname + action.search,
      page: location.pathname + location.search,
      title: document.title.split(" · ")[0],
      summary: summary(form, fields),
      fields,
      status: "pending",
      reason: "",
      saved: new Date().toISOString(),
    });
    await put("queue", item);
    return item;
  }

  async function onSubmit(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (new URL(form.action, location.href).pathname === config.logout) return onLogout(event);
    const kind = formKind(form);
    if (!kind) return;
    if (form.dataset.offlineProbed === "1") { delete form.dataset.offlineProbed; return; }
    const editing = editingId();
    const submitter = event.submitter;
    // With a network the form posts as it always did (no delay). Without one — or right after
    // the service worker saw a post fail on a dead connection — it goes to the queue.
    if (!editing && navigator.onLine && !deadConnection()) {
      if (controlled()) return;
      // No service worker stands behind this page (its first load, a forced reload, a browser
      // or a plain-HTTP intranet without workers): nothing would catch a dead connection, so
      // ask the server first and post only when it answers.
      event.preventDefault();
      if (form.dataset.offlineBusy === "1") return;
      form.dataset.offlineBusy = "1";
      const up = await reachable();
      delete form.dataset.offlineBusy;
      if (up) {
        form.dataset.offlineProbed = "1";
        if (submitter && submitter.form === form) form.requestSubmit(submitter);
        else form.requestSubmit();
        return;
      }
      sessionStorage.setItem("tuopin-offline-dead", String(Date.now()));
    }
    event.preventDefault();
    if (form.dataset.offlineBusy === "1") return;
    form.dataset.offlineBusy = "1";
    try {
      const item = await enqueue(form, kind, submitter, editing);
      if (!item) return;
      form.reset();
      const count = (await queue()).filter((i) => i.user === config.user).length;
      notice(`已存入本机待同步：${item.title}${item.summary ? "（" + item.summary + "）" : ""}。有信号时按顺序自动提交；本机共 ${count} 项待同步。`, "queued");
      if (editing) history.replaceState(null, "", location.pathname + location.search);
      await render();
      sync();
    } finally {
      delete form.dataset.offlineBusy;
    }
  }

  async function fillFromQueue() {
    const id = editingId();
    if (!id) return;
    const item = await get("queue", id);
    if (!item) return;
    const form = Array.from(document.forms).find(
      (f) => formKind(f) && new URL(f.action, location.href).pathname === item.url.split("?")[0]
    );
    if (!form) return;
    for (const control of form.elements) {
      if (!control.name || control.tagName === "BUTTON" || /^(hidden|file|submit|button|reset|image)$/.test(control.type)) continue;
      const values = item.fields.filter((f) => f.name === control.name && typeof f.value === "string").map((f) => f.value);
      if (control.type === "checkbox" || control.type === "radio") control.checked = values.includes(control.value);
      else if (control.tagName === "SELECT" && control.multiple) {
        for (const option of control.options) option.selected = values.includes(option.value);
      } else if (values.length) control.value = values[0];
    }
    form.scrollIntoView();
    const photos = item.fields.filter((f) => f.file).length;
    notice(`正在修改待同步的表单${item.reason ? "（退回原因：" + item.reason + "）" : ""}。` +
      (photos ? `已存的 ${photos} 个照片或文件会保留，重新选择则替换。` : "") + "保存后按原编号重新提交。", "editing");
  }

  // ---- sync ------------------------------------------------------------------------------
  let syncing = false;
  async function send(item) {
    const body = new FormData();
    for (const field of item.fields) {
      if (field.file) body.append(field.name, field.file, field.filename);
      else body.append(field.name, field.value);
    }
    const headers = { "X-Tuopin-Offline-Id": item.id, "X-Tuopin-Client-Time": item.created, "X-CSRFToken": csrf() };
    if (item.formVersion) headers["X-Tuopin-Form-Version"] = item.formVersion;
    if (item.place) headers["X-Tuopin-Location"] = [item.place.lat, item.place.lng, item.place.accuracy].join(",");
    let response;
    try {
      response = await fetch(item.url, { method: "POST", body, headers, credentials: "same-origin", redirect: "manual" });
    } catch (error) {
      return "stop";
    }
    // The server says what became of the item in one header (offline/sync.py); an answer
    // without it (a proxy's page, a login page, a server error) leaves the item to retry.
    const result = response.headers.get("X-Tuopin-Offline-Result");
    let answer = null;
    if (result && (response.headers.get("Content-Type") || "").includes("application/json")) {
      answer = await response.json().catch(() => null);
    }
    sessionStorage.removeItem("tuopin-offline-dead");
    if (answer && result === "done") {
      await put("done", { id: item.id, title: item.title, summary: item.summary, url: answer.url,
        message: answer.message, created: item.created, synced: new Date().toISOString(), user: item.user });
      await remove("queue", item.id);
      return "next";
    }
    if (answer && answer.login) {
      notice("登录已过期：请重新登录，待同步的表单仍在本机，登录后自动提交。", "error");
      return "stop";
    }
    if (answer && result === "refused") {
      item.status = "refused";
      item.reason = answer.reason;
      item.refused = new Date().toISOString();
      await put("queue", item);
      return "next";
    }
    item.reason = response.status === 403
      ? "安全校验未通过（页面可能已过期），请刷新页面后重试"
      : `服务器暂时无法处理（${response.status || "重定向"}），稍后自动重试`;
    await put("queue", item);
    return "stop";
  }
  async function syncRound() {
    const items = (await queue()).filter((i) => i.user === config.user && i.status === "pending");
    for (const item of items) {
      if ((await send(item)) === "stop") break;
    }
  }
  async function sync() {
    if (syncing || !navigator.onLine || !config.user) return;
    syncing = true;
    try {
      if (navigator.locks) {
        await navigator.locks.request("tuopin-sync", { ifAvailable: true }, async (lock) => { if (lock) await syncRound(); });
      } else {
        await syncRound();
      }
    } catch (error) {
      // The queue is untouched; the next round tries again.
    } finally {
      syncing = false;
      await render();
    }
  }

  // ---- download for offline use ---------------------------------------------------------
  async function download(quiet) {
    const state = document.getElementById("offline-download-state");
    const say = (text) => { if (state) state.textContent = text; };
    if (!navigator.onLine) { say("当前无网络，无法下载。"); return; }
    say("正在下载…");
    // Ask the browser not to evict the queue and the data under storage pressure.
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    try {
      const response = await fetch(config.bundle, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      const bundle = await response.json();
      const cache = await caches.open(PAGES);
      let pages = 0;
      let bytes = 0;
      for (const page of bundle.pages) {
        const pageResponse = await fetch(page.url, { credentials: "same-origin" });
        if (!pageResponse.ok || pageResponse.redirected) continue;
        const text = await pageResponse.clone().text();
        bytes += text.length;
        await cache.put(new URL(page.url, location.href).href, pageResponse);
        pages += 1;
      }
      const dataText = JSON.stringify(bundle.data);
      bytes += dataText.length;
      await put("data", { key: "bundle", user: bundle.user, generated: bundle.generated_at, fetched: Date.now(), pages: bundle.pages, data: bundle.data, bytes });
      if (!quiet) say(`已下载 ${pages} 个页面及所需数据，约 ${Math.ceil(bytes / 1024)} KB（${when(new Date().toISOString())}）。本设备登录保持一周。`);
    } catch (error) {
      say("下载未完成，请在信号较好时重试。");
    }
  }
  async function forgetOtherUser() {
    const bundle = await get("data", "bundle");
    if (bundle && bundle.user !== config.user) {
      await remove("data", "bundle");
      await caches.delete(PAGES);
      return null;
    }
    return bundle;
  }

  // ---- logout: warn about unsent forms, then wipe the device ----------------------------
  async function onLogout(event) {
    const form = event.target;
    if (form.dataset.offlinePass === "1") return;
    event.preventDefault();
    const mine = (await queue()).filter((i) => i.user === config.user).length;
    if (mine && !window.confirm(`本机还有 ${mine} 份表单没有同步。退出将清除本机保存的页面、数据和这些表单。确定退出吗？`)) return;
    try {
      await caches.keys().then((names) => Promise.all(names.map((n) => caches.delete(n))));
      if (dbPromise) (await dbPromise).close();
      dbPromise = null;
      indexedDB.deleteDatabase(DB_NAME);
      if (navigator.serviceWorker) {
        const registrations = await navigator.serviceWorker.getRegistrations();
        await Promise.all(registrations.map((r) => r.unregister()));
      }
    } finally {
      form.dataset.offlinePass = "1";
      form.submit();
    }
  }

  // ---- what the user sees ---------------------------------------------------------------
  function badge(pending, refused) {
    let node = document.getElementById("offline-badge");
    if (!node) {
      node = element("a", null, { id: "offline-badge", href: config.home, class: "offline-badge" });
      document.body.appendChild(node);
    }
    const parts = [];
    if (!navigator.onLine) parts.push("离线");
    if (pending) parts.push(`待同步 ${pending}`);
    if (refused) parts.push(`${refused} 项被退回`);
    node.textContent = parts.join(" · ");
    node.hidden = parts.length === 0;
    node.classList.toggle("has-refused", refused > 0);
  }
  async function render() {
    let items = [];
    try { items = await queue(); } catch (error) { return; }
    const mine = items.filter((i) => i.user === config.user);
    badge(mine.length, mine.filter((i) => i.status === "refused").length);
    const home = document.getElementById("offline-home");
    if (!home) return;
    const status = document.getElementById("offline-status");
    status.textContent = `${navigator.onLine ? "有网络" : "无网络"} · 本机待同步 ${mine.length} 项` +
      (mine.some((i) => i.status === "refused") ? `，其中 ${mine.filter((i) => i.status === "refused").length} 项被退回，请修改或丢弃` : "");
    const table = document.getElementById("offline-queue");
    const body = table.querySelector("tbody");
    body.replaceChildren();
    for (const item of items) {
      const row = element("tr", null, { "data-id": item.id, class: "offline-item " + item.status });
      const name = element("td", null, { "data-label": "表单" });
      name.appendChild(element("b", item.title));
      if (item.summary) name.appendChild(element("div", item.summary, { class: "muted" }));
      const photos = item.fields.filter((f) => f.file);
      if (photos.length) name.appendChild(element("div", `照片/文件 ${photos.length} 个，共 ${Math.ceil(photos.reduce((s, f) => s + f.size, 0) / 1024)} KB`, { class: "muted" }));
      row.appendChild(name);
      row.appendChild(element("td", when(item.created), { "data-label": "填写时间" }));
      row.appendChild(element("td", item.place ? `${item.place.lat.toFixed(5)}, ${item.place.lng.toFixed(5)}（±${Math.round(item.place.accuracy)} 米）` : "未定位", { "data-label": "位置" }));
      const state = element("td", null, { "data-label": "状态" });
      if (item.user !== config.user) state.appendChild(element("span", `属于账号 ${item.userName}，请该账号登录后同步`, { class: "muted" }));
      else if (item.status === "refused") state.appendChild(element("span", "被退回：" + item.reason, { class: "error offline-reason" }));
      else state.appendChild(element("span", item.reason ? "待同步（" + item.reason + "）" : "待同步", { class: "offline-pending" }));
      row.appendChild(state);
      const actions = element("td", null, { "data-label": "操作" });
      if (item.user === config.user && item.page) {
        actions.appendChild(element("a", "修改", { href: item.page + "#offline-item=" + item.id, class: "offline-edit" }));
        actions.appendChild(document.createTextNode(" "));
      }
      const discard = element("button", "丢弃", { type: "button", class: "link offline-discard" });
      discard.addEventListener("click", async () => {
        if (!window.confirm(`丢弃后这份表单将从本机删除，不能恢复。确定丢弃“${item.title}”吗？`)) return;
        await remove("queue", item.id);
        await render();
      });
      actions.appendChild(discard);
      row.appendChild(actions);
      body.appendChild(row);
    }
    table.hidden = items.length === 0;
    document.getElementById("offline-queue-empty").hidden = items.length > 0;
    const done = (await all("done")).filter((d) => d.user === config.user).sort((a, b) => (a.synced < b.synced ? 1 : -1));
    for (const old of done.slice(DONE_KEEP)) await remove("done", old.id);
    const list = document.getElementById("offline-done");
    list.replaceChildren();
    for (const record of done.slice(0, DONE_KEEP)) {
      const li = element("li", null, { class: "offline-done-item" });
      li.appendChild(element("a", record.title + (record.summary ? "（" + record.summary + "）" : ""), { href: record.url || "#" }));
      li.appendChild(document.createTextNode(` 填写于 ${when(record.created)}，同步于 ${when(record.synced)}`));
      list.appendChild(li);
    }
    document.getElementById("offline-done-empty").hidden = done.length > 0;
  }

  // For field forms of later issues: the downloaded scope data (villages, masked households)
  // and the queue, read-only, e.g. ``(await tuopinOffline.data()).households``.
  window.tuopinOffline = Object.freeze({
    data: async () => { const bundle = await get("data", "bundle"); return bundle ? bundle.data : null; },
    queued: async () => (await queue()).filter((i) => i.user === config.user).map((i) => ({ id: i.id, title: i.title, status: i.status, reason: i.reason })),
    sync: () => sync(),
  });

  // ---- start -----------------------------------------------------------------------------
  document.addEventListener("submit", (event) => { onSubmit(event); });
  window.addEventListener("online", () => { render(); sync(); });
  window.addEventListener("offline", () => { render(); });
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(config.worker, { scope: "/" }).catch(() => {});
  }
  (async function start() {
    const bundle = await forgetOtherUser().catch(() => null);
    const home = document.getElementById("offline-home");
    if (home) {
      document.getElementById("offline-sync").addEventListener("click", () => sync());
      document.getElementById("offline-download").addEventListener("click", () => download(false));
      const state = document.getElementById("offline-download-state");
      if (bundle) state.textContent = `上次下载：${when(new Date(bundle.fetched).toISOString())}，${bundle.pages.length} 个页面，约 ${Math.ceil(bundle.bytes / 1024)} KB。`;
    }
    await fillFromQueue();
    await render();
    await sync();
    if (bundle && navigator.onLine && Date.now() - bundle.fetched > REFRESH_MS) download(true);
    setInterval(() => { sync(); }, 30000);
  })();
})();
