// Small DOM helpers the pages share.

/** An element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** Replaces an element's content with an SVG document from nabla/plot. */
export function showSvg(target: HTMLElement, svg: string): void {
  target.innerHTML = svg;
}

/** How many threads jobs use: 2 on a cross-origin-isolated page, else 1. */
export function jobThreads(): number {
  return globalThis.crossOriginIsolated ? 2 : 1;
}

/** A page of the playground: its title and how to build it inside `root`. */
export interface Page {
  id: string;
  title: string;
  mount(root: HTMLElement): void | Promise<void>;
  /** Called when the user leaves the page (stop its jobs). */
  unmount?(): void;
}
