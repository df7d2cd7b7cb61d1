// MathJax 3, served by the docs site itself (copied from the npm package by docs/build.py).
// The notebooks write maths as $...$ and $$...$$, as in Jupyter.
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true},
};
(function () {
  var s = document.createElement('script');
  s.src = new URL('mathjax/tex-chtml.js', document.currentScript.src).href;
  s.async = true;
  document.head.appendChild(s);
})();
