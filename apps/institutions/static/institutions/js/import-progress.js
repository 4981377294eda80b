// Sizes Bootstrap progress bars from their data-progress attribute (the Content-Security-Policy forbids
// inline style attributes), on page load and whenever htmx swaps in a fresh progress partial.
(function () {
  function size(root) {
    const scope = root && root.querySelectorAll ? root : document;
    const bars = Array.from(scope.querySelectorAll("[data-progress]"));
    if (scope.matches && scope.matches("[data-progress]")) bars.push(scope);
    bars.forEach((bar) => {
      bar.style.width = `${Math.max(0, Math.min(100, Number(bar.dataset.progress) || 0))}%`;
    });
  }
  document.addEventListener("DOMContentLoaded", () => size(document));
  document.addEventListener("htmx:load", (event) => size(event.target));
})();
