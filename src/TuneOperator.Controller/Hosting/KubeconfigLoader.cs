using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using TuneOperator.Controller.Runtime;
using YamlDotNet.RepresentationModel;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// Reads a kubeconfig file into the client's kubeconfig model by walking the YAML document tree (no reflection, so the
/// same code runs in the native build). The client's own loader goes through <c>KubernetesYaml</c>, whose static setup
/// loads every type of the Kubernetes model assembly (about 9 MiB of mapped file and the runtime data of a thousand
/// types) and deserializes by reflection; the operator needs a few fields of it.
/// </summary>
public static class KubeconfigLoader
{
    /// <summary>The client configuration from the kubeconfig at <paramref name="path"/> (its current context).</summary>
    /// <exception cref="KubeConfigException">The file is missing or is not a kubeconfig.</exception>
    public static KubernetesClientConfiguration Load(string path) => LoadMerged([path]);

    /// <summary>
    /// The client configuration from several kubeconfig files merged as kubectl merges a <c>KUBECONFIG</c> list: the first
    /// file that sets a current context wins, and of clusters, users and contexts with the same name the first one wins.
    /// Relative certificate and key paths are resolved against the folder of the file that names them, as kubectl does.
    /// </summary>
    /// <exception cref="KubeConfigException">A file is missing or is not a kubeconfig.</exception>
    public static KubernetesClientConfiguration LoadMerged(IReadOnlyList<string> paths)
    {
        ArgumentOutOfRangeException.ThrowIfZero(paths.Count);
        var configs = paths.Select(Read).ToList();
        var merged = configs[0];
        foreach (var next in configs.Skip(1))
        {
            merged.CurrentContext ??= next.CurrentContext;
            merged.Clusters = [.. merged.Clusters, .. next.Clusters.Where(c => merged.Clusters.All(m => m.Name != c.Name))];
            merged.Users = [.. merged.Users, .. next.Users.Where(u => merged.Users.All(m => m.Name != u.Name))];
            merged.Contexts = [.. merged.Contexts, .. next.Contexts.Where(c => merged.Contexts.All(m => m.Name != c.Name))];
        }

        return ToClientConfiguration(merged);
    }

    // The current context's cluster, user and namespace, as kubectl resolves them. The client's own
    // BuildConfigFromConfigObject is not used: its exec support reads the plugin's answer through KubernetesJson (see
    // OperatorJson), and its legacy auth-provider plugins are gone from kubectl.
    private static KubernetesClientConfiguration ToClientConfiguration(K8SConfiguration config)
    {
        var file = config.FileName ?? "kubeconfig";
        if (string.IsNullOrEmpty(config.CurrentContext))
        {
            throw new KubeConfigException($"kubeconfig {file} sets no current-context; set one (kubectl config use-context NAME).");
        }

        var context = config.Contexts.FirstOrDefault(c => c.Name == config.CurrentContext)?.ContextDetails
            ?? throw new KubeConfigException(
                $"kubeconfig {file}: current-context \"{config.CurrentContext}\" is not among its contexts ({string.Join(", ", config.Contexts.Select(c => c.Name))}).");
        var cluster = config.Clusters.FirstOrDefault(c => c.Name == context.Cluster)?.ClusterEndpoint
            ?? throw new KubeConfigException($"kubeconfig {file}: context \"{config.CurrentContext}\" names cluster \"{context.Cluster}\", which it does not define.");
        if (string.IsNullOrEmpty(cluster.Server))
        {
            throw new KubeConfigException($"kubeconfig {file}: cluster \"{context.Cluster}\" has no server; set its https://host:port.");
        }

        var result = new KubernetesClientConfiguration
        {
            Host = cluster.Server,
            Namespace = context.Namespace,
            SkipTlsVerify = cluster.SkipTlsVerify,
            TlsServerName = cluster.TlsServerName,
            SslCaCerts = Authorities(cluster, file),
        };
        if (string.IsNullOrEmpty(context.User))
        {
            return result;
        }

        var user = config.Users.FirstOrDefault(u => u.Name == context.User)?.UserCredentials
            ?? throw new KubeConfigException($"kubeconfig {file}: context \"{config.CurrentContext}\" names user \"{context.User}\", which it does not define.");
        if (user.AuthProvider is { } provider)
        {
            throw new KubeConfigException(
                $"kubeconfig {file}: user \"{context.User}\" uses the auth-provider \"{provider.Name}\", which kubectl removed in 1.26; use the provider's exec credential plugin (for example kubelogin or gke-gcloud-auth-plugin).");
        }

        if (!string.IsNullOrEmpty(user.Impersonate))
        {
            throw new KubeConfigException($"kubeconfig {file}: user \"{context.User}\" impersonates (as: {user.Impersonate}); the operator acts as its own identity: remove \"as\".");
        }

        result.AccessToken = user.Token;
        result.Username = user.UserName;
        result.Password = user.Password;
        result.ClientCertificateData = user.ClientCertificateData;
        result.ClientCertificateKeyData = user.ClientKeyData;
        result.ClientCertificateFilePath = user.ClientCertificate;
        result.ClientKeyFilePath = user.ClientKey;
        if (user.ExternalExecution is { } exec)
        {
            result.TokenProvider = new ExecCredentialProvider(exec, file, TimeProvider.System);
        }

        return result;
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2Collection? Authorities(ClusterEndpoint cluster, string file)
    {
        if (KubeApiConnection.PemText(cluster.CertificateAuthorityData, cluster.CertificateAuthority, "certificate-authority", $"kubeconfig {file}: ") is not { } pem)
        {
            return null;
        }

        var authorities = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        try
        {
            authorities.ImportFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new KubeConfigException($"kubeconfig {file}: the certificate authority is not PEM certificates: {ex.Message}", ex);
        }

        return authorities.Count > 0
            ? authorities
            : throw new KubeConfigException($"kubeconfig {file}: the certificate authority holds no PEM certificate.");
    }

    private static string? RelativeTo(string file, string? path) =>
        string.IsNullOrEmpty(path) ? null : Path.GetFullPath(path, Path.GetDirectoryName(file) ?? Environment.CurrentDirectory);

    private static K8SConfiguration Read(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new KubeConfigException($"kubeconfig {full} does not exist; pass an existing file with --kubeconfig.");
        }

        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(File.ReadAllText(full));
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new KubeConfigException($"kubeconfig {full} is not valid YAML: {ex.Message}", ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            throw new KubeConfigException($"kubeconfig {full} is empty.");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new KubeConfigException($"kubeconfig {full} is not a kubeconfig: its top level must be a mapping (apiVersion, clusters, users, contexts).");
        }

        return new K8SConfiguration
        {
            ApiVersion = Text(root, "apiVersion"),
            Kind = Text(root, "kind"),
            CurrentContext = Text(root, "current-context"),
            Clusters = [.. Items(root, "clusters", full).Select(item => ReadCluster(item, full))],
            Users = [.. Items(root, "users", full).Select(item => ReadUser(item, full))],
            Contexts = [.. Items(root, "contexts", full).Select(item => ReadContext(item, full))],
            FileName = full,
        };
    }

    private static Cluster ReadCluster(YamlMappingNode item, string file)
    {
        var body = Mapping(item, "cluster", file);
        return new Cluster
        {
            Name = Text(item, "name"),
            ClusterEndpoint = body is null ? null : new ClusterEndpoint
            {
                Server = Text(body, "server"),
                CertificateAuthority = RelativeTo(file, Text(body, "certificate-authority")),
                CertificateAuthorityData = Text(body, "certificate-authority-data"),
                SkipTlsVerify = Flag(body, "insecure-skip-tls-verify", file),
                TlsServerName = Text(body, "tls-server-name"),
            },
        };
    }

    private static User ReadUser(YamlMappingNode item, string file)
    {
        var body = Mapping(item, "user", file);
        return new User
        {
            Name = Text(item, "name"),
            UserCredentials = body is null ? null : new UserCredentials
            {
                ClientCertificate = RelativeTo(file, Text(body, "client-certificate")),
                ClientCertificateData = Text(body, "client-certificate-data"),
                ClientKey = RelativeTo(file, Text(body, "client-key")),
                ClientKeyData = Text(body, "client-key-data"),
                Token = Text(body, "token"),
                UserName = Text(body, "username"),
                Password = Text(body, "password"),
                Impersonate = Text(body, "as"),
                AuthProvider = Mapping(body, "auth-provider", file) is { } provider
                    ? new AuthProvider { Name = Text(provider, "name"), Config = Strings(provider, "config", file) }
                    : null,
                ExternalExecution = Mapping(body, "exec", file) is { } exec ? ReadExec(exec, file) : null,
            },
        };
    }

    private static ExternalExecution ReadExec(YamlMappingNode exec, string file) => new()
    {
        ApiVersion = Text(exec, "apiVersion"),
        Command = Text(exec, "command"),
        Arguments = exec.Children.TryGetValue(new YamlScalarNode("args"), out var args) && args is YamlSequenceNode list
            ? [.. list.Children.OfType<YamlScalarNode>().Select(a => a.Value ?? string.Empty)]
            : null,
        EnvironmentVariables = exec.Children.TryGetValue(new YamlScalarNode("env"), out var env) && env is YamlSequenceNode variables
            ? [.. variables.Children.OfType<YamlMappingNode>().Select(v => new Dictionary<string, string>
                {
                    ["name"] = Text(v, "name") ?? string.Empty,
                    ["value"] = Text(v, "value") ?? string.Empty,
                })]
            : null,
        InstallHint = Text(exec, "installHint"),
        ProvideClusterInfo = Flag(exec, "provideClusterInfo", file),
    };

    private static Context ReadContext(YamlMappingNode item, string file)
    {
        var body = Mapping(item, "context", file);
        return new Context
        {
            Name = Text(item, "name"),
            ContextDetails = body is null ? null : new ContextDetails
            {
                Cluster = Text(body, "cluster"),
                User = Text(body, "user"),
                Namespace = Text(body, "namespace"),
            },
        };
    }

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static bool Flag(YamlMappingNode node, string key, string file) => Text(node, key) switch
    {
        null or "false" or "False" or "FALSE" => false,
        "true" or "True" or "TRUE" => true,
        var other => throw new KubeConfigException($"kubeconfig {file}: {key} must be true or false, got \"{other}\"."),
    };

    private static YamlMappingNode? Mapping(YamlMappingNode node, string key, string file)
    {
        if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value) || value is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return null;
        }

        return value as YamlMappingNode
            ?? throw new KubeConfigException($"kubeconfig {file}: {key} must be a mapping.");
    }

    private static Dictionary<string, string>? Strings(YamlMappingNode node, string key, string file) =>
        Mapping(node, key, file) is { } map
            ? map.Children.Where(p => p.Key is YamlScalarNode && p.Value is YamlScalarNode)
                .ToDictionary(p => ((YamlScalarNode)p.Key).Value ?? string.Empty, p => ((YamlScalarNode)p.Value).Value ?? string.Empty)
            : null;

    private static IEnumerable<YamlMappingNode> Items(YamlMappingNode root, string key, string file)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(key), out var value) || value is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return [];
        }

        return value is YamlSequenceNode list
            ? list.Children.Select(child => child as YamlMappingNode
                ?? throw new KubeConfigException($"kubeconfig {file}: each entry of {key} must be a mapping with a name."))
            : throw new KubeConfigException($"kubeconfig {file}: {key} must be a list.");
    }
}
