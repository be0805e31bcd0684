// crx3 ships no types; this is the part of its API we use (https://www.npmjs.com/package/crx3, "Usage (API)").
declare module 'crx3' {
  type Crx3Options = {
    /** The PEM private key; crx3 creates one when the file does not exist, so callers check first. */
    keyPath: string;
    crxPath: string;
    /** When set, a gupdate update manifest is written too, with the manifest's version and `crxURL` as codebase. */
    xmlPath?: string;
    crxURL?: string;
  };
  /** Packs the files (or a directory holding manifest.json) into a CRX3 file; resolves with the encoded app id. */
  export default function crx3(files: string[], options: Crx3Options): Promise<{ appId?: string }>;
}
