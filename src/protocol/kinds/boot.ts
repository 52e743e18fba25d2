// Data schema of `boot.start` (decoder: src/decoders/boot.ts): the first line of a boot, where
// the board (re)started. The store opens a new boot record at its seq (GET /api/v1/consoles/:id/boots).
import { Type, type TSchema } from '@sinclair/typebox';

export const bootKinds: Record<string, TSchema> = {
  'boot.start': Type.Object(
    {
      trigger: Type.Union([Type.Literal('xen'), Type.Literal('linux'), Type.Literal('firmware')], {
        description: "What started the boot: the first of Xen's start lines, from the EFI loader line and early printk to the banner and `Xen version` ('xen'), an untagged Linux banner that is not dom0 under this boot's Xen ('linux'), a TF-A or U-Boot banner ('firmware')",
      }),
      text: Type.String({ description: 'That line, trimmed' }),
    },
    { additionalProperties: true, description: 'A new boot of the board' },
  ),
};
