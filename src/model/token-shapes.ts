// The shapes of the credentials the doctor judges, shared by the decoders and the checks.

/** The tunnel ID forms cloudflared's UUID parser accepts: plain, no dashes, braces, urn:uuid:. */
export const UUID_FORMS =
  /^(?:urn:uuid:)?\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$/;

/** The largest identity JWT the token exchange accepts. */
export const JWT_MAX_BYTES = 16 * 1024;
