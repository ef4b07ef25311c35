/* Progressive enhancements; every page works without them. No inline scripts (CSP). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Searchable selects for units and people (Tom Select).
    if (window.TomSelect) {
      document.querySelectorAll("select[data-searchable]").forEach(function (el) {
        if (el.tomselect || el.disabled) return;
        new TomSelect(el, {
          plugins: el.multiple ? ["remove_button"] : [],
          maxOptions: 500,
          allowEmptyOption: true,
          placeholder: el.dataset.placeholder || undefined,
          render: { no_results: function () { return '<div class="no-results">—</div>'; } },
        });
        // Tom Select points the <label> at its own search input; the original <select> stays in
        // the page only to be submitted, so screen readers should skip it.
        el.setAttribute("aria-hidden", "true");
      });
    }
    // Print buttons (the print stylesheet leaves out menus, filters and actions).
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    // Confirmation before irreversible actions.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
