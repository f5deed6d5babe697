// The passes of the registry (pass.h), one per file in this directory.
#pragma once

#include "hwnas/advise/pass.h"

namespace hwnas::advise {

Pass ibn_to_fused_pass();
Pass depthwise_to_full_pass();
Pass align_channels_pass();
Pass even_channels_pass();
Pass remove_se_pass();
Pass move_se_pass();
Pass change_kernel_pass();
Pass swap_activation_pass();
Pass scale_resolution_pass();
Pass scale_channels_pass();

}  // namespace hwnas::advise
