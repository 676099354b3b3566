"""The aiplat Pulumi program: stack config -> resolved spec -> AiPlatform -> exports.

``pulumi up`` runs this file; ``aiplat preview`` runs the very same file under Pulumi's
mocks. Keep it thin: everything it calls is tested.
"""

import pulumi

from components.ai_platform import AiPlatform, AiPlatformArgs
from components.program import check_budget, gpu_pool_summary, load_platform

platform = load_platform()
tco = check_budget(platform)  # before any resource: an enforced budget stops here
aiplat = AiPlatform("aiplat", AiPlatformArgs(platform=platform))

pulumi.export("tier", platform.tier.value)
pulumi.export("environment", platform.environment.value)
pulumi.export("target", platform.target.value)
pulumi.export("regions", list(platform.regions))
pulumi.export("clusterName", aiplat.cluster_name)
pulumi.export("kubeconfig", aiplat.kubeconfig)
pulumi.export("gpuPools", gpu_pool_summary(platform))
pulumi.export("tco", tco)
