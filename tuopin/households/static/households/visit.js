/* The visit form keeps where the visit was: the phone's position, when the phone allows. */
(function () {
  "use strict";
  var form = document.querySelector(".visit-form");
  if (!form || !navigator.geolocation) { return; }
  var where = form.querySelector("[data-where]");
  function field(name) { return form.querySelector("input[name=" + name + "]"); }
  if (field("latitude").value) { return; }
  where.textContent = "正在获取位置……";
  navigator.geolocation.getCurrentPosition(function (position) {
    field("latitude").value = position.coords.latitude.toFixed(6);
    field("longitude").value = position.coords.longitude.toFixed(6);
    where.textContent = "位置：" + position.coords.latitude.toFixed(4) + "，" + position.coords.longitude.toFixed(4);
  }, function () {
    where.textContent = "未能获取位置（可在手机设置中允许定位），走访仍可保存。";
  }, { timeout: 8000, maximumAge: 60000 });
})();
