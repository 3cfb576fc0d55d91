/* The photo form keeps when and where: the file's time and, when the phone allows, its position. */
(function () {
  "use strict";
  var form = document.querySelector(".photo-form");
  if (!form) { return; }
  var input = form.querySelector("input[name=photo]");
  var where = form.querySelector("[data-where]");
  function field(name) { return form.querySelector("input[name=" + name + "]"); }
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (file && file.lastModified) { field("taken_at").value = new Date(file.lastModified).toISOString(); }
    if (!navigator.geolocation) { return; }
    where.textContent = "正在获取位置……";
    navigator.geolocation.getCurrentPosition(function (position) {
      field("latitude").value = position.coords.latitude.toFixed(6);
      field("longitude").value = position.coords.longitude.toFixed(6);
      where.textContent = "位置：" + position.coords.latitude.toFixed(4) + "，" + position.coords.longitude.toFixed(4);
    }, function () {
      where.textContent = "未能获取位置（可在手机设置中允许定位），照片仍可上传。";
    }, { timeout: 8000, maximumAge: 60000 });
  });
})();
