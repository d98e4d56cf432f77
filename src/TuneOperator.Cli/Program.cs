using System.CommandLine;
using TuneOperator.Cli.Commands;

var root = new RootCommand("tune: declarative LLM fine-tuning, locally or on Kubernetes.")
{
    CrdsCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
