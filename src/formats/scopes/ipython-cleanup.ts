/**
 * What IPython does to a cell's lines before Python sees them (the clean-up transforms of
 * `IPython.core.inputtransformer2.TransformerManager`), so that a notebook's code is read as it runs:
 * a cell pasted with a common indent, or with `>>>` or `In [1]:` prompts, still defines its functions.
 */

const INDENT = /^[ \t]+/;
const CLASSIC_PROMPT = /^(?:>>>|\.\.\.)(?: |$)/;
const CLASSIC_FIRST_PROMPT = /^>>>(?: |$)/;
// IPython's `\d` and `\s` are Unicode-aware, as `\p{Nd}` and `u`-mode `\s` are.
const IPYTHON_PROMPT = /^(?:In \[\p{Nd}+\]: |\s*\.{3,}: ?)/u;

/**
 * The lines of a cell (without line ends) as IPython runs them: leading blank lines aside, the first
 * line's indent is taken off every line that starts with it, then classic prompts if the first line
 * has one (or the second has one of either kind), then IPython prompts likewise. Blank leading lines
 * are kept (IPython drops them), so that lines keep their places.
 */
export function cleanUpCell(lines: readonly string[]): string[] {
  const first = lines.findIndex((line) => line.trim().length > 0);
  if (first === -1) return [...lines];
  const leading = lines.slice(0, first);
  let rest = lines.slice(first);
  const indent = INDENT.exec(rest[0] as string)?.[0];
  if (indent !== undefined) rest = rest.map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
  rest = stripPrompts(rest, CLASSIC_PROMPT, CLASSIC_FIRST_PROMPT);
  rest = stripPrompts(rest, IPYTHON_PROMPT, IPYTHON_PROMPT);
  return [...leading, ...rest];
}

/** IPython's PromptStripper: prompts come off every line once the first or second line shows one. */
function stripPrompts(lines: string[], prompt: RegExp, firstPrompt: RegExp): string[] {
  const hasPrompts = firstPrompt.test(lines[0] ?? '') || (lines.length > 1 && prompt.test(lines[1] as string));
  return hasPrompts ? lines.map((line) => line.replace(prompt, '')) : lines;
}
