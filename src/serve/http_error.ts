// What a request did wrong, as an HTTP status and a message the client is shown: every bad
// request ends as one of these (a 4xx), never as a crash of the server.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (why: string): HttpError => new HttpError(400, why);
export const notFound = (what: string): HttpError => new HttpError(404, `${what}: not found`);
