using System.CommandLine;

var root = new RootCommand("tune: declarative LLM fine-tuning, locally or on Kubernetes.");
return await root.Parse(args).InvokeAsync();
