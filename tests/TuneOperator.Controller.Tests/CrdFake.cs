using TuneOperator.Testing.Kube;
using Xunit;

namespace TuneOperator.Controller.Tests;

/// <summary>The API fake as the operator's tests need it: fresh, serving the project's CRDs from <c>crds/</c>.</summary>
internal static class CrdFake
{
    /// <summary>Starts a fake with the CRDs loaded; the caller disposes it.</summary>
    public static async Task<KubeApiFake> StartAsync()
    {
        var fake = await KubeApiFake.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await fake.LoadCustomResourceDefinitionsAsync(Path.Combine(Runtime.ResourceInformerTests.RepoRoot(), "crds"), TestContext.Current.CancellationToken);
        return fake;
    }
}
