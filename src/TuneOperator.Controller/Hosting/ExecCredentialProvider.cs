using System.ComponentModel;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Authentication;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// A kubeconfig <c>exec</c> credential plugin (client.authentication.k8s.io), as kubectl runs it: the command with its
/// arguments and environment plus <c>KUBERNETES_EXEC_INFO</c>, non-interactive; its ExecCredential answer's token is
/// used until its <c>expirationTimestamp</c> (or for the life of the process when it has none), then the plugin runs
/// again. Plugins that answer with a client certificate instead of a token are refused with a clear error.
/// </summary>
public sealed class ExecCredentialProvider : ITokenProvider
{
    /// <summary>How long the plugin may run before it is killed.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    // A token this close to its expiry is renewed first, so a request never leaves with an expired one.
    private static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(30);
    private readonly ExternalExecution exec;
    private readonly string file;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim gate = new(1, 1);
    private AuthenticationHeaderValue? current;
    private DateTimeOffset? expires;

    /// <summary>Checks the plugin's settings; the plugin first runs on the first request.</summary>
    /// <exception cref="KubeConfigException">The command or the apiVersion is missing.</exception>
    public ExecCredentialProvider(ExternalExecution exec, string kubeconfigFile, TimeProvider time)
    {
        this.exec = exec;
        file = kubeconfigFile;
        this.time = time;
        if (string.IsNullOrWhiteSpace(exec.Command))
        {
            throw new KubeConfigException($"kubeconfig {file}: the user's exec plugin has no command; set exec.command.");
        }

        if (string.IsNullOrWhiteSpace(exec.ApiVersion))
        {
            throw new KubeConfigException($"kubeconfig {file}: the user's exec plugin has no apiVersion; set exec.apiVersion (client.authentication.k8s.io/v1).");
        }

        foreach (var variable in exec.EnvironmentVariables ?? [])
        {
            if (!variable.TryGetValue("name", out var name) || string.IsNullOrEmpty(name))
            {
                throw new KubeConfigException($"kubeconfig {file}: each exec.env entry needs a name and a value.");
            }
        }
    }

    /// <summary>How many times the plugin has run (one per token it issued).</summary>
    public int Runs { get; private set; }

    /// <inheritdoc />
    /// <exception cref="KubeConfigException">The plugin cannot start, fails, times out or answers without a token.</exception>
    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (current is null || (expires is { } until && until - RenewBefore <= time.GetUtcNow()))
            {
                var (token, expiry) = await RunAsync(cancellationToken);
                current = new AuthenticationHeaderValue("Bearer", token);
                expires = expiry;
            }

            return current;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<(string Token, DateTimeOffset? Expires)> RunAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(exec.Command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in exec.Arguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in exec.EnvironmentVariables ?? [])
        {
            start.Environment[variable["name"]] = variable.TryGetValue("value", out var value) ? value : string.Empty;
        }

        start.Environment["KUBERNETES_EXEC_INFO"] = new JsonObject
        {
            ["apiVersion"] = exec.ApiVersion,
            ["kind"] = "ExecCredential",
            ["spec"] = new JsonObject { ["interactive"] = false },
        }.ToJsonString();

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            var hint = string.IsNullOrEmpty(exec.InstallHint) ? "install it or fix exec.command" : exec.InstallHint.Trim();
            throw new KubeConfigException($"kubeconfig {file}: the exec plugin \"{exec.Command}\" cannot start ({ex.Message}); {hint}.", ex);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            await Task.WhenAll(output, errors);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new KubeConfigException($"kubeconfig {file}: the exec plugin \"{exec.Command}\" did not answer within {Timeout.TotalSeconds:0} s.");
        }

        Runs++;
        if (process.ExitCode != 0)
        {
            throw new KubeConfigException($"kubeconfig {file}: the exec plugin \"{exec.Command}\" exited with {process.ExitCode}: {errors.Result.Trim()}");
        }

        return Read(await output);
    }

    private (string Token, DateTimeOffset? Expires) Read(string output)
    {
        ExecCredentialResponse? answer;
        try
        {
            answer = OperatorJson.Deserialize<ExecCredentialResponse>(Encoding.UTF8.GetBytes(output));
        }
        catch (JsonException ex)
        {
            throw new KubeConfigException($"kubeconfig {file}: the exec plugin \"{exec.Command}\" did not print an ExecCredential: {ex.Message}", ex);
        }

        if (answer?.ApiVersion != exec.ApiVersion)
        {
            throw new KubeConfigException(
                $"kubeconfig {file}: the exec plugin \"{exec.Command}\" answered apiVersion \"{answer?.ApiVersion}\", not the \"{exec.ApiVersion}\" exec.apiVersion asks for.");
        }

        if (string.IsNullOrEmpty(answer.Status?.Token))
        {
            throw new KubeConfigException(answer.Status?.ClientCertificateData is { Length: > 0 }
                ? $"kubeconfig {file}: the exec plugin \"{exec.Command}\" answered with a client certificate; the operator uses plugins that issue tokens (or set client-certificate-data on the user)."
                : $"kubeconfig {file}: the exec plugin \"{exec.Command}\" answered without status.token.");
        }

        return (answer.Status.Token, answer.Status.ExpirationTimestamp is { } expiry ? new DateTimeOffset(DateTime.SpecifyKind(expiry, DateTimeKind.Utc)) : null);
    }
}
