// How the tool writes a file mode for people: the form chmod takes, with a leading zero (0644).
// Pure, so the writer, the repairs and their rendering share it without the renderer loading I/O.

export const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
