using k8s.Exceptions;
using TuneOperator.Controller.Hosting;
using Xunit;

namespace TuneOperator.Controller.Tests.Hosting;

public sealed class KubeconfigLoaderTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("kubeconfig-");

    public void Dispose() => folder.Delete(recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(folder.FullName, "config");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_current_contexts_cluster_user_and_namespace_are_used()
    {
        var path = Write("""
            apiVersion: v1
            kind: Config
            preferences: {}
            clusters:
            - name: other
              cluster:
                server: https://other.example:6443
            - name: fake
              cluster:
                server: http://127.0.0.1:41234
            users:
            - name: bench
              user:
                token: secret-token
            contexts:
            - name: other
              context:
                cluster: other
                user: bench
            - name: fake
              context:
                cluster: fake
                user: bench
                namespace: team-a
            current-context: fake
            """);

        var config = KubeconfigLoader.Load(path);

        Assert.Equal("http://127.0.0.1:41234", config.Host.TrimEnd('/'));
        Assert.Equal("secret-token", config.AccessToken);
        Assert.Equal("team-a", config.Namespace);
        Assert.Equal("fake", config.CurrentContext);
    }

    [Fact]
    public void A_file_that_is_not_yaml_or_missing_is_rejected_naming_the_file()
    {
        var bad = Write("clusters: [unclosed");

        var invalid = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(bad));
        var missing = Assert.Throws<KubeConfigException>(() => KubeconfigLoader.Load(Path.Combine(folder.FullName, "absent")));

        Assert.Contains(bad, invalid.Message, StringComparison.Ordinal);
        Assert.Contains("absent", missing.Message, StringComparison.Ordinal);
    }
}
