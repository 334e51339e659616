import { ApiProblems } from '../common/api-problems.decorator.js';
import { Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
    security: [],
  })
  @ApiOkResponse({ type: PublicKeyView })
  publicKey(): PublicKeyView {
    return this.checkpoints.publicKeyView();
  }

  @Get('checkpoints')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Signed checkpoints, newest first (any authenticated caller)' })
  @ApiOkResponse({ type: CheckpointPage })
  @ApiProblems({ 400: 'a bad limit or cursor (problem+json)' })
  @ApiProblems(401)
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
  @ApiProblems(401)
  @ApiProblems({ 403: 'not an admin (problem+json)' })
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
  @ApiProblems(401)
  @ApiProblems({ 403: 'not an admin (problem+json)' })
  async verify(): Promise<VerifyReport> {
    const { checked, failed, checkpoints, failedCheckpoints } = await this.verifier.verify(
      this.checkpoints.publicKey,
    );
    return { checked, failed, checkpoints, failedCheckpoints };
  }
}
