import { Injectable } from '@nestjs/common';

/**
 * Whether this process should still be sent traffic. On SIGTERM the process first stops being ready (orchestrators
 * and load balancers then send it nothing new), and only then closes: in-flight requests and jobs finish first.
 */
@Injectable()
export class ReadinessService {
  private draining = false;

  get shuttingDown(): boolean {
    return this.draining;
  }

  beginShutdown(): void {
    this.draining = true;
  }
}
