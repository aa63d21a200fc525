// The token command's --help, apart from the command so that printing it loads nothing else.
export const TOKEN_HELP = `Usage (from a clone: npm run -s token -- <flags>):
  graph-profile-phones token --user <userPrincipalName> [--scopes "User.ReadWrite ..."] [--tenant <name>] [--admin] [--client <app name>] [--name "<display name>"]
  graph-profile-phones token --app-only --client <app name> [--roles "User.Read.All ..."] [--tenant <name>]

Prints one access token signed by the development issuer of DATA_DIR (created on first use).
  --user        the signed-in user's userPrincipalName; the user is added to the directory on first use
  --scopes      delegated permissions (scp), space-separated. Default: "User.ReadWrite"
  --tenant      tenant name; the same name always gives the same tenant id. Default: contoso
  --admin       give the user the Global Administrator directory role (in wids)
  --client      the calling app's name (appid, app_displayname); required with --app-only
  --name        the user's display name. Default: made from the userPrincipalName
  --app-only    an application token (no user)
  --roles       application permissions (roles), space-separated. Default: "User.Read.All"
  --expires-in  lifetime in seconds. Default: 3600
  --data-dir    as for the server (DATA_DIR); must be the server's to be accepted there`;
