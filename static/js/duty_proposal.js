/* New-risk form: when category and location are chosen, ask the responsibility lists (责任清单)
   which unit owns such risks there and who is responsible, and fill the empty fields. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-propose-url]");
    if (!form) return;
    var box = document.getElementById("duty-proposal");
    function field(name) { return form.querySelector("[name='" + name + "']"); }
    function setIfEmpty(name, value, label) {
      var el = field(name);
      if (!el || !value || el.value) return;
      if (!Array.prototype.some.call(el.options, function (o) { return o.value === String(value); })) return;
      if (el.tomselect) { el.tomselect.setValue(String(value)); } else { el.value = String(value); }
    }
    function ask() {
      var category = field("category"), township = field("township"), village = field("village");
      if (!category || !category.value || !township || !township.value) return;
      var params = new URLSearchParams({ category: category.value, township: township.value,
                                         village: village ? village.value : "" });
      fetch(form.dataset.proposeUrl + "?" + params.toString(), { credentials: "same-origin",
                                                                  headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { found: false }; })
        .then(function (data) {
          if (!data.found) { box.classList.add("d-none"); box.textContent = ""; return; }
          var parts = [];
          if (data.owner_unit) { parts.push("责任单位：" + data.owner_unit.name); setIfEmpty("owner_unit", data.owner_unit.id); }
          if (data.responsible) { parts.push("责任人：" + data.responsible.name); setIfEmpty("responsible", data.responsible.id); }
          if (data.supervising_unit) { parts.push("行业主管部门：" + data.supervising_unit.name); setIfEmpty("supervising_unit", data.supervising_unit.id); }
          box.textContent = "按责任清单（" + data.item + "）建议 " + parts.join("，") + "。已填入空白项，可修改。";
          box.classList.remove("d-none");
        })
        .catch(function () { /* the form works without the proposal */ });
    }
    ["category", "township", "village"].forEach(function (name) {
      var el = field(name);
      if (el) el.addEventListener("change", ask);
    });
  });
})();
