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

  // Copy gives a message as it reads, not its Markdown source ("\\," escapes, "[\\[1\\]](#fonte-cite-0-1)"
  // links): a click on a message's buttons notes its row, and what Gradio then writes to the clipboard (by
  // the Clipboard API, or by a "copy" command where that is missing) is replaced by the row's text.
  let copyRow = null, copyAt = 0;
  const plain = (row) => {  // the noted row's text, if it was noted just now (a like leaves a note too)
    const content = row && Date.now() - copyAt < 2000 ? row.querySelector(".message-content") : null;
    return content ? content.innerText.replace(/\n{3,}/g, "\n\n").trim() : null;
  };
  const rowOf = (buttons) => {
    let el = buttons.previousElementSibling;
    while (el && !el.classList.contains("message-row")) el = el.previousElementSibling;
    return el;
  };
  document.addEventListener("click", (ev) => {
    const bar = ev.target instanceof Element ? ev.target.closest("#fonte-chat .message-buttons") : null;
    copyRow = bar ? rowOf(bar) : null;
    copyAt = Date.now();
  }, true);
  const clip = navigator.clipboard;
  if (clip && clip.writeText) {
    clip.writeText = (text) => {
      const own = plain(copyRow);
      copyRow = null;
      return Clipboard.prototype.writeText.call(clip, own === null ? text : own);
    };
  }
  document.addEventListener("copy", (ev) => {
    const own = plain(copyRow);
    copyRow = null;
    if (own === null || !ev.clipboardData) return;
    ev.clipboardData.setData("text/plain", own);
    ev.preventDefault();
  }, true);
}
