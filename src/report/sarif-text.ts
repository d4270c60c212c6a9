import type { Message } from 'sarif';

/**
 * Text as it stands in a SARIF message string, showing no link and no placeholder. In plain text,
 * `[text](target)` is an embedded link (SARIF 2.1.0, 3.11.6), which viewers such as GitHub's render,
 * with a backslash escaping the next character; and `{0}` is a placeholder (3.11.5). Messages quote
 * paths and names that the agent chose, so a file named `[details](https:evil.example).py` would put
 * the agent's link in the alert; rule texts quote their own templates (`{file}`). Backslashes and
 * square brackets are escaped, and braces doubled, as the standard says literal ones are.
 */
export function plainText(text: string): string {
  return text.replace(/[\\[\]]/g, '\\$&').replace(/[{}]/g, '$&$&');
}

/** plainText as a SARIF message. */
export function plainMessage(text: string): Message {
  return { text: plainText(text) };
}
