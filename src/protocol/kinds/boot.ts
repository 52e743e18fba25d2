// Data schema of `boot.start` (decoder: src/decoders/boot.ts): a banner showing that the board
// (re)started. The store opens a new boot record at its seq (GET /api/v1/consoles/:id/boots).
import { Type, type TSchema } from '@sinclair/typebox';

export const bootKinds: Record<string, TSchema> = {
  'boot.start': Type.Object(
    {
      trigger: Type.Union([Type.Literal('xen'), Type.Literal('linux'), Type.Literal('firmware')], {
        description: "What started the boot: a Xen banner or `Xen version` line ('xen'), an untagged Linux banner that is not dom0 under this boot's Xen ('linux'), a TF-A or U-Boot banner ('firmware')",
      }),
      text: Type.String({ description: 'The banner line, trimmed' }),
    },
    { additionalProperties: true, description: 'A new boot of the board' },
  ),
};
