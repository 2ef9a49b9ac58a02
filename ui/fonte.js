() => {
  // A click on a [n] citation link in the chat opens that source in the Sources panel.
  document.addEventListener("click", (ev) => {
    const link = ev.target instanceof Element ? ev.target.closest('a[href*="#fonte-cite-"]') : null;
    if (!link) return;
    ev.preventDefault();
    ev.stopPropagation();
    const m = (link.getAttribute("href") || "").match(/#fonte-cite-(\d+)-(\d+)$/);
    if (!m) return;
    window.fonteCite = m[1] + "-" + m[2];
    const btn = document.querySelector("#fonte-cite-open");
    if (btn) btn.click();
    const panel = document.querySelector("#fonte-sources-col");
    if (panel && panel.getBoundingClientRect().top > window.innerHeight) panel.scrollIntoView({behavior: "smooth"});
  }, true);
}
