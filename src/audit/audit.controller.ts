import { Controller, Get, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public, Roles } from '../auth/auth.decorators.js';
import {
  CheckpointListQuery,
  CheckpointPage,
  CheckpointView,
  PublicKeyView,
  VerifyReport,
} from './audit.dto.js';
import { AuditVerifyService } from './audit-verify.service.js';
import { CheckpointService } from './checkpoint.service.js';

const PROBLEM = { description: 'application/problem+json' };

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(
    private readonly checkpoints: CheckpointService,
    private readonly verifier: AuditVerifyService,
  ) {}

  @Get('public-key')
  @Public()
  @ApiOperation({
    summary:
      'The Ed25519 public key that signs checkpoints (no token: anyone may verify; pin it out of band)',
  })
  @ApiOkResponse({ type: PublicKeyView })
  publicKey(): PublicKeyView {
    return this.checkpoints.publicKeyView();
  }

  @Get('checkpoints')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Signed checkpoints, newest first (any authenticated caller)' })
  @ApiOkResponse({ type: CheckpointPage })
  @ApiBadRequestResponse({ ...PROBLEM, description: 'a bad limit or cursor (problem+json)' })
  @ApiUnauthorizedResponse(PROBLEM)
  list(@Query() query: CheckpointListQuery): Promise<CheckpointPage> {
    return this.checkpoints.list(query);
  }

  @Post('checkpoints')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Sign a checkpoint now over the heads of every application changed since the last one',
  })
  @ApiCreatedResponse({ type: CheckpointView })
  @ApiUnauthorizedResponse(PROBLEM)
  @ApiForbiddenResponse({ ...PROBLEM, description: 'not an admin (problem+json)' })
  async create(): Promise<CheckpointView> {
    return (await this.checkpoints.create('demand'))!;
  }

  @Get('verify')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Recheck every history chain against the signed checkpoints and name each application that fails',
  })
  @ApiOkResponse({ type: VerifyReport })
  @ApiUnauthorizedResponse(PROBLEM)
  @ApiForbiddenResponse({ ...PROBLEM, description: 'not an admin (problem+json)' })
  async verify(): Promise<VerifyReport> {
    const { checked, failed, checkpoints, failedCheckpoints } = await this.verifier.verify(
      this.checkpoints.publicKey,
    );
    return { checked, failed, checkpoints, failedCheckpoints };
  }
}
