/**
 * SEC asks automated tools to declare who they are: "Sample Company Name
 * AdminContact@<sample company domain>.com". Requests without it are refused (403), so
 * edgar refuses first, before any request, with the reason.
 */
export function userAgentProblem(ua: string | undefined): string | null {
  const v = ua?.trim();
  if (!v) {
    return 'no User-Agent: SEC refuses requests without a declared User-Agent naming you and a contact email; set EDGAR_USER_AGENT or pass --user-agent "Your Name you@example.com"';
  }
  if (!/[^\s@]+@[^\s@]+\.[^\s@]+/.test(v)) {
    return `User-Agent "${v}" has no contact email: SEC asks for a name and an email ("Your Name you@example.com") and refuses undeclared tools`;
  }
  if (/[\r\n]/.test(v)) return 'User-Agent must be one line';
  // An HTTP header value outside Latin-1 cannot be sent at all (fetch refuses it), and SEC
  // reads plain ASCII: a name with accents is written without them ("Jose Muller").
  const bad = [...v].find((c) => c < ' ' || c > '~');
  if (bad !== undefined) {
    return `User-Agent "${v}" has a character HTTP headers cannot carry (${JSON.stringify(bad)}, U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}): use printable ASCII only, e.g. "Jose Muller jose@example.com"`;
  }
  return null;
}
