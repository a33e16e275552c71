// Package webtest holds what the tests of gradgraph's live pages share:
// driving headless Chromium through the DevTools protocol (chromedp), with
// the page's console errors and exceptions collected, and reading a
// stream of server-sent events. It is for tests only.
package webtest
