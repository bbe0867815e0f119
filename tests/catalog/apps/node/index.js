const os = require("node:os");
const ms = require("ms");

console.log(`uid ${process.getuid()} user ${os.userInfo().username} home ${os.homedir()} ms ${ms(3600000)}`);
