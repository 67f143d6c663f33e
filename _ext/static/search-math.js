// Typeset the math quoted in search-result snippets. Sphinx cuts the snippets from the
// pages' text, where MathJax has not run, so they hold raw TeX such as \(C_\text{in}\).
// _ext/offline_site.py loads it, then MathJax (served with the site), on search.html only.
window.MathJax = { startup: { typeset: false } };

document.addEventListener("DOMContentLoaded", () => {
  const results = document.getElementById("search-results");
  if (!results) return;
  let timer = null;
  const observer = new MutationObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!window.MathJax.typesetPromise) return;
      observer.disconnect();  // typesetting changes the results: do not react to it
      MathJax.typesetPromise([results]).finally(() => {
        results.dataset.mathTypeset = "true";
        observer.observe(results, { childList: true, subtree: true });
      });
    }, 300);
  });
  observer.observe(results, { childList: true, subtree: true });
});
