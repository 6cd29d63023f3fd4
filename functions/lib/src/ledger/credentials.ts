/**
 * TLS material for the ledger: each of the CA, client certificate and key comes either from a file
 * (a mounted Secret, a path on a CI runner) or as PEM text in an environment variable. Porch's
 * per-function overrides (FunctionConfig `templateOverrides`) set `env` / `envFrom` on the
 * function pod but cannot mount volumes, so there a Secret reaches the function as text only.
 * The material is parsed here, so a wrong Secret key or a truncated PEM fails naming the variable
 * or file instead of surfacing as a TLS handshake error against etcd.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Outcome } from '../ipam/result';

export type TlsPart = 'ca' | 'cert' | 'key';

const WHAT: Readonly<Record<TlsPart, string>> = { ca: 'CA certificate', cert: 'client certificate', key: 'client key' };

/** Where one part may come from: a file path and/or PEM text, each with the setting that gave it. */
export interface TlsSource {
  readonly file?: { readonly path: string; readonly from: string };
  readonly text?: { readonly pem: string; readonly from: string };
}

export type TlsMaterial = Outcome<Buffer | undefined, string>;

/** The bytes of one part, checked to be what it claims to be; `undefined` when neither source is set. */
export function tlsMaterial(part: TlsPart, source: TlsSource): TlsMaterial {
  const { file, text } = source;
  if (file && text) {
    return { ok: false, error: `the ${WHAT[part]} is given twice, as the file ${file.path} (${file.from}) and as PEM text (${text.from}): keep one of them` };
  }
  let bytes: Buffer;
  let origin: string;
  if (file) {
    origin = `the file ${file.path} (${file.from})`;
    try {
      bytes = readFileSync(file.path);
    } catch (e) {
      return { ok: false, error: `cannot read the ${WHAT[part]} file ${file.path} (${file.from}): ${(e as Error).message}` };
    }
  } else if (text) {
    origin = text.from;
    // A Secret pasted through a CI variable or `--from-literal` often arrives with its line
    // breaks written as the two characters "\n"; OpenSSL then sees one long line.
    if (!text.pem.includes('\n') && text.pem.includes('\\n')) {
      return { ok: false, error: `${origin} holds the ${WHAT[part]} with its line breaks escaped as \\n: store the PEM text with real line breaks (kubectl create secret generic --from-file)` };
    }
    bytes = Buffer.from(text.pem, 'utf8');
  } else {
    return { ok: true, value: undefined };
  }
  const problem = pemProblem(part, bytes);
  return problem ? { ok: false, error: `${origin} does not hold a PEM ${WHAT[part]}: ${problem}` } : { ok: true, value: bytes };
}

function pemProblem(part: TlsPart, bytes: Buffer): string | undefined {
  const pem = bytes.toString('utf8');
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(pem)) return 'no "-----BEGIN ...-----" line';
  try {
    if (part === 'key') createPrivateKey(pem);
    else new X509Certificate(pem);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
