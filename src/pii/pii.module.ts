import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { DefinitionsModule } from '../definitions/definitions.module.js';
import { PII_KEYRING, PiiKeysService } from './pii-keys.service.js';
import { PiiService } from './pii.service.js';

/** Personal data at rest: sealing, who sees it, key rotation and the retention purge. */
@Module({
  imports: [DefinitionsModule],
  providers: [
    PiiService,
    PiiKeysService,
    { provide: PII_KEYRING, useFactory: (config: RuntimeConfig) => config.pii.keyring, inject: [APP_CONFIG] },
  ],
  exports: [PiiService, PiiKeysService],
})
export class PiiModule {}
