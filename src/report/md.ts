// Text in Markdown: shared by the PR body and its verify section.

/** Text in Markdown prose: keep it on one line and stop it from opening HTML or links. */
export function inline(s: string): string {
  return s.replace(/\s*\r?\n\s*/g, ' ').replace(/([\\<>\[\]*])/g, '\\$1');
}

/** Text inside a code span: a backtick would close it. */
export function code(s: string): string {
  return s.replace(/`/g, "'");
}
