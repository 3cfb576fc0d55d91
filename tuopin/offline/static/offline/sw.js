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
    const cached = (await cache.match(request.url)) || (await caches.match(TUOPIN.fallback));
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

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});
