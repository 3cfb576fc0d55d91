/* tuopin service worker: keeps the field pages and their assets on the phone.
 * `TUOPIN` (version, shell assets, fallback page, bounds) is prepended by the server.
 * Pages: network first, the cached copy when there is no signal. Static assets: cache first.
 * Form posts are never touched here: the page script queues them (offline.js). */
"use strict";

const SHELL = "tuopin-shell-" + TUOPIN.version;
const PAGES = "tuopin-pages";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL).then((cache) => cache.addAll(TUOPIN.shell)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(
      names.filter((name) => name.startsWith("tuopin-shell-") && name !== SHELL)
        .map((name) => caches.delete(name))
    )).then(() => self.clients.claim())
  );
});

async function trim(cache) {
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - TUOPIN.maxPages; i++) await cache.delete(keys[i]);
}

async function page(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (response.ok && response.headers.get(TUOPIN.pageHeader)) {
      // Re-inserting moves the page to the end, so trimming drops the least recently fetched.
      await cache.delete(request.url);
      await cache.put(request.url, response.clone());
      await trim(cache);
    }
    return response;
  } catch (error) {
    // A field form opened with another query (e.g. the visit form for one household) falls
    // back to the stored form itself; anything else to 待同步.
    const path = new URL(request.url).pathname;
    const cached = (await cache.match(request.url)) ||
      (FORMS.some((re) => re.test(path)) ? await cache.match(request.url, { ignoreSearch: true }) : undefined) ||
      (await caches.match(TUOPIN.fallback));
    if (cached) return cached;
    return new Response("<!doctype html><meta charset=utf-8><title>无网络</title><p>无网络，且此页面未保存在本机。</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

async function asset(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(SHELL);
    await cache.put(request, response.clone());
  }
  return response;
}

// A field form posted while the phone thought it was online but the connection is dead:
// instead of the browser's error page, say so and go back to the form (its typed values are
// still there); the page script then saves it to the queue.
const FORMS = TUOPIN.forms.map((pattern) => new RegExp(pattern));
const DEAD = `<!doctype html><html lang="zh-Hans"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>网络不通</title>
<body style="font-family:sans-serif;padding:1.5rem;line-height:1.7">
<h1 style="font-size:1.3rem">网络不通，表单没有发出</h1>
<p>填写的内容仍在上一页。返回后再按一次保存，表单会存入本机“待同步”，有信号时自动提交。</p>
<p><button onclick="history.back()" style="font-size:1.1rem;padding:.5rem 1.2rem">返回表单</button></p>
<script>sessionStorage.setItem("tuopin-offline-dead", String(Date.now()));</script>`;

async function post(request) {
  try {
    return await fetch(request);
  } catch (error) {
    return new Response(DEAD, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && request.mode === "navigate" && FORMS.some((re) => re.test(url.pathname))) {
    event.respondWith(post(request));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});
